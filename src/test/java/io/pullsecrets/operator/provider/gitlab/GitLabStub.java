package io.pullsecrets.operator.provider.gitlab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * GitLab's REST API (v4) for project and group access tokens as its documentation
 * (doc/api/project_access_tokens.md, group_access_tokens.md) and API code (lib/api/resource_access_tokens.rb,
 * PersonalAccessTokens::RotateService) define it:
 * <ul>
 *   <li>authentication by {@code PRIVATE-TOKEN: <token>} or {@code Authorization: Bearer <token>}
 *       of an active personal access token with the {@code api} scope, else 401
 *       {@code {"message":"401 Unauthorized"}}; a user who may not manage the resource's tokens
 *       gets 403 (the provider's pull tokens, read_registry only, are refused with 403 too);
 *   <li>{@code :id} is a numeric ID or a URL-encoded full path ({@code group%2Fproject}); an
 *       unknown one (or a raw slash) is 404 {@code {"message":"404 Project Not Found"}};
 *   <li>{@code POST :id/access_tokens}: JSON with {@code name} and {@code scopes} (required, from the
 *       resource bot scopes), {@code expires_at} (YYYY-MM-DD, after today, at most 365 days on),
 *       {@code access_level} (10, 15, 20, 30, 40, 50), {@code description}: 201 with the token
 *       value; other fields fail the test (the provider sends nothing else);
 *   <li>{@code POST :id/access_tokens/:token_id/rotate} with optional {@code expires_at}: revokes the
 *       token and creates its successor (same name, scopes, access level) in one step, 200 with the
 *       new id and value. A revoked token: 400 "Token already revoked", and every active token of
 *       its family is revoked (GitLab's automatic reuse detection). A token of another resource: 401;
 *   <li>{@code GET :id/access_tokens[/:token_id]} ({@code state=active|inactive}), and
 *       {@code DELETE :id/access_tokens/:token_id}: 204, 404 for an unknown token.
 * </ul>
 * {@link #registryLogin} answers like GitLab's registry: an active, unexpired token with
 * {@code read_registry} logs in, a revoked one gets 401.
 */
final class GitLabStub implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern PATH = Pattern.compile("/api/v4/(projects|groups)/([^/]+)/access_tokens(?:/([0-9]+)(/rotate)?)?");
  static final Set<String> BOT_SCOPES = Set.of("api", "read_api", "read_repository", "write_repository", "read_registry",
      "write_registry", "create_runner", "manage_runner", "ai_features", "k8s_proxy", "self_rotate");
  static final Set<Integer> ACCESS_LEVELS = Set.of(10, 15, 20, 30, 40, 50);

  /** An access token as GitLab keeps it. */
  static final class Token {
    final long id;
    final String resource; // "projects/42" by numeric ID
    final String name;
    final List<String> scopes;
    final int accessLevel;
    final String value;
    final long previous;
    volatile LocalDate expiresAt;
    volatile boolean revoked;

    Token(long id, String resource, String name, List<String> scopes, int accessLevel, LocalDate expiresAt, String value,
        long previous) {
      this.id = id;
      this.resource = resource;
      this.name = name;
      this.scopes = List.copyOf(scopes);
      this.accessLevel = accessLevel;
      this.expiresAt = expiresAt;
      this.value = value;
      this.previous = previous;
    }
  }

  /** A mint GitLab made: the new token, and when (System.nanoTime) the old one stopped working. */
  record Mint(String kind, long from, long id, String value, long acceptedNanos) {}

  final StubServer server;
  private final String expectedHost;
  final Clock clock;
  final SecureRandom random = new SecureRandom();
  final AtomicLong ids = new AtomicLong(100);
  /** Resource ("projects/42") by numeric ID and by full path. */
  final Map<String, String> resources = new ConcurrentHashMap<>();
  final Map<Long, Token> tokens = new ConcurrentHashMap<>();
  /** Admin personal access tokens: value to the resources its user may manage tokens of. */
  final Map<String, Set<String>> admins = new ConcurrentHashMap<>();
  final List<Mint> mints = new CopyOnWriteArrayList<>();
  volatile int failWith;
  /** The next create or rotate takes effect but its answer is lost (the connection answers 502). */
  volatile boolean loseNextAnswer;

  GitLabStub(SSLContext tls, Clock clock) throws IOException {
    this.server = StubServer.https(tls);
    this.expectedHost = server.hostPort();
    this.clock = clock;
    server.handler(this::handle);
  }

  GitLabStub project(long id, String path) {
    resources.put("projects/" + id, "projects/" + id);
    resources.put("projects/" + path, "projects/" + id);
    return this;
  }

  GitLabStub group(long id, String path) {
    resources.put("groups/" + id, "groups/" + id);
    resources.put("groups/" + path, "groups/" + id);
    return this;
  }

  /** An admin personal access token with the api scope, Maintainer or Owner of {@code resources} (numeric form). */
  GitLabStub admin(String token, String... resources) {
    admins.put(token, Set.of(resources));
    return this;
  }

  String url() {
    return server.url();
  }

  List<Request> requests() {
    return server.requests();
  }

  LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  /** What GitLab's registry answers to a login with this password. */
  boolean registryLogin(String password) {
    return tokens.values().stream().anyMatch(t -> t.value.equals(password) && live(t) && t.scopes.contains("read_registry"));
  }

  boolean live(Token t) {
    return !t.revoked && (t.expiresAt == null || t.expiresAt.isAfter(today()));
  }

  List<Token> active() {
    return tokens.values().stream().filter(this::live).toList();
  }

  private Response handle(Request r) {
    assertThat(r.header("Host")).as("Host header").isEqualTo(expectedHost);
    if (failWith != 0) {
      return message(failWith, failWith + " Service Unavailable");
    }
    Matcher m = PATH.matcher(r.path());
    if (!m.matches()) {
      return message(404, "404 Not Found");
    }
    String auth = r.header("PRIVATE-TOKEN");
    if (auth == null && r.header("Authorization") != null && r.header("Authorization").startsWith("Bearer ")) {
      auth = r.header("Authorization").substring("Bearer ".length());
    }
    final String presented = auth;
    if (presented == null || (!admins.containsKey(presented) && tokens.values().stream().noneMatch(t -> t.value.equals(presented) && live(t)))) {
      return message(401, "401 Unauthorized");
    }
    String id = java.net.URLDecoder.decode(m.group(2), java.nio.charset.StandardCharsets.UTF_8);
    String resource = resources.get(m.group(1) + "/" + id);
    if (resource == null) {
      return message(404, "404 " + (m.group(1).equals("projects") ? "Project" : "Group") + " Not Found");
    }
    Set<String> may = admins.get(auth);
    if (may == null || !may.contains(resource)) {
      return message(403, "403 Forbidden");
    }
    Long tokenId = m.group(3) == null ? null : Long.parseLong(m.group(3));
    boolean rotate = m.group(4) != null;
    switch (r.method()) {
      case "GET":
        if (tokenId == null) {
          return list(r, resource);
        }
        Token t = tokens.get(tokenId);
        return t == null || !t.resource.equals(resource) ? message(404, "404 Not Found") : Response.json(200, show(t, false).toString());
      case "POST":
        if (rotate) {
          return rotate(r, resource, tokenId);
        }
        return tokenId == null ? create(r, resource) : message(405, "405 Method Not Allowed");
      case "DELETE":
        if (tokenId == null || rotate) {
          return message(405, "405 Method Not Allowed");
        }
        Token d = tokens.get(tokenId);
        if (d == null || !d.resource.equals(resource)) {
          return message(404, "404 Not Found");
        }
        d.revoked = true;
        return new Response(204, Map.of(), new byte[0]);
      default:
        return message(405, "405 Method Not Allowed");
    }
  }

  private Response list(Request r, String resource) {
    String state = null;
    if (r.query() != null) {
      for (Map.Entry<String, String> q : StubServer.parseForm(r.query()).entrySet()) {
        if (q.getKey().equals("state")) {
          state = q.getValue();
          assertThat(state).as("state").isIn("active", "inactive");
        }
      }
    }
    ArrayNode out = JSON.createArrayNode();
    for (Token t : tokens.values()) {
      if (t.resource.equals(resource) && (state == null || live(t) == state.equals("active"))) {
        out.add(show(t, false));
      }
    }
    return Response.json(200, out.toString());
  }

  private JsonNode body(Request r) {
    String type = r.header("Content-Type");
    assertThat(type).as("Content-Type").isNotNull();
    assertThat(type.toLowerCase(Locale.ROOT)).as("Content-Type").startsWith("application/json");
    try {
      JsonNode n = JSON.readTree(r.body());
      assertThat(n != null && n.isObject()).as("a JSON object").isTrue();
      return n;
    } catch (IOException e) {
      throw new AssertionError("not JSON", e);
    }
  }

  /** null: valid; else GitLab's 400 message. */
  private String badExpiry(JsonNode n) {
    if (!n.path("expires_at").isTextual()) {
      return "expires_at is missing";
    }
    LocalDate d;
    try {
      d = LocalDate.parse(n.path("expires_at").asText());
    } catch (RuntimeException e) {
      return "expires_at is invalid";
    }
    if (!d.isAfter(today())) {
      return "Expiration date must be in the future";
    }
    if (d.isAfter(today().plusDays(365))) {
      return "Expiration date must be before " + today().plusDays(365);
    }
    return null;
  }

  private Response create(Request r, String resource) {
    JsonNode n = body(r);
    List<String> fields = new ArrayList<>();
    n.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).as("fields of the create body").isSubsetOf("name", "description", "scopes", "access_level",
        "expires_at");
    if (!n.path("name").isTextual() || n.path("name").asText().isBlank() || !n.path("scopes").isArray()
        || n.path("scopes").isEmpty()) {
      return message(400, "name, scopes are missing");
    }
    List<String> scopes = new ArrayList<>();
    n.path("scopes").forEach(s -> scopes.add(s.asText()));
    if (!BOT_SCOPES.containsAll(scopes)) {
      return message(400, "scopes does not have a valid value");
    }
    if (!ACCESS_LEVELS.contains(n.path("access_level").asInt(-1))) {
      return message(400, "access_level does not have a valid value");
    }
    String bad = badExpiry(n);
    if (bad != null) {
      return message(400, bad);
    }
    Token t = new Token(ids.incrementAndGet(), resource, n.path("name").asText(), scopes, n.path("access_level").asInt(),
        LocalDate.parse(n.path("expires_at").asText()), newValue(), 0);
    tokens.put(t.id, t);
    mints.add(new Mint("create", 0, t.id, t.value, System.nanoTime()));
    return answer(201, t);
  }

  private Response rotate(Request r, String resource, long tokenId) {
    Token old = tokens.get(tokenId);
    if (old == null || !old.resource.equals(resource)) {
      return message(401, "401 Unauthorized");
    }
    JsonNode n = r.body().length == 0 ? JSON.createObjectNode() : body(r);
    List<String> fields = new ArrayList<>();
    n.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).as("fields of the rotate body").isSubsetOf("expires_at");
    if (old.revoked) {
      // Automatic reuse detection: the whole family goes.
      tokens.values().stream().filter(t -> inFamily(t, old)).forEach(t -> t.revoked = true);
      return message(400, "Token already revoked");
    }
    if (!live(old)) {
      return message(401, "401 Unauthorized");
    }
    LocalDate expires = today().plusWeeks(1);
    if (n.has("expires_at")) {
      String bad = badExpiry(n);
      if (bad != null) {
        return message(400, bad);
      }
      expires = LocalDate.parse(n.path("expires_at").asText());
    }
    Token next = new Token(ids.incrementAndGet(), resource, old.name, old.scopes, old.accessLevel, expires, newValue(), old.id);
    old.revoked = true;
    tokens.put(next.id, next);
    mints.add(new Mint("rotate", old.id, next.id, next.value, System.nanoTime()));
    return answer(200, next);
  }

  private boolean inFamily(Token t, Token of) {
    Token a = t;
    while (a != null) {
      if (a.id == of.id) {
        return true;
      }
      a = a.previous == 0 ? null : tokens.get(a.previous);
    }
    Token b = of;
    while (b != null) {
      if (b.id == t.id) {
        return true;
      }
      b = b.previous == 0 ? null : tokens.get(b.previous);
    }
    return false;
  }

  private Response answer(int status, Token t) {
    if (loseNextAnswer) {
      loseNextAnswer = false;
      return message(502, "502 Bad Gateway");
    }
    return Response.json(status, show(t, true).toString());
  }

  private String newValue() {
    StringBuilder sb = new StringBuilder("glpat-");
    String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    for (int i = 0; i < 20; i++) {
      sb.append(chars.charAt(random.nextInt(chars.length())));
    }
    return sb.toString();
  }

  private ObjectNode show(Token t, boolean withValue) {
    ObjectNode n = JSON.createObjectNode().put("id", t.id).put("name", t.name).put("description", "")
        .put("revoked", t.revoked).put("created_at", "2030-01-01T00:00:00.000Z").put("user_id", 1000 + t.id)
        .putNull("last_used_at").put("active", live(t)).put("access_level", t.accessLevel);
    n.putArray("scopes").addAll(t.scopes.stream().map(JSON.getNodeFactory()::textNode).toList());
    if (t.expiresAt == null) {
      n.putNull("expires_at");
    } else {
      n.put("expires_at", t.expiresAt.toString());
    }
    if (withValue) {
      n.put("token", t.value);
    }
    return n;
  }

  private static Response message(int status, String message) {
    return Response.json(status, JSON.createObjectNode().put("message", message).toString());
  }

  @Override
  public void close() {
    server.close();
  }
}
