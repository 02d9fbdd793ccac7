package io.pullsecrets.operator.provider.harbor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * Harbor's v2.0 robot API as its swagger (api/v2.0/swagger.yaml) and handlers document it, for
 * {@code GET} and {@code PATCH /api/v2.0/robots/{robot_id}}:
 * <ul>
 *   <li>Basic auth of a known user, else 401; a user without rights on the robot gets 403;
 *   <li>an unknown robot: 404 with Harbor's {@code {"errors":[{"code","message"}]}};
 *   <li>PATCH (RefreshSec): Content-Type application/json (else 415), a body that is a RobotSec
 *       object, {@code {"secret": ...}}, with a secret of 8 to 128 characters with an upper-case
 *       letter, a lower-case letter and a digit (else 400, as Harbor's isValidSec); 200 with the
 *       RobotSec. The old secret stops working at once;
 *   <li>a body with other fields than {@code secret} fails the test (the provider sends nothing else).
 * </ul>
 * {@link #login} answers like Harbor's registry: only the robot's current secret logs in; where a
 * real registry stands for Harbor's, {@link #secretChanged} makes its accounts follow each robot
 * secret Harbor takes.
 */
public final class HarborStub implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern ROBOT_PATH = Pattern.compile("/api/v2\\.0/robots/([0-9]+)");

  /** A robot account as Harbor keeps it; expiresAt in epoch seconds, -1 never. */
  public static final class Robot {
    final long id;
    final String name;
    volatile String secret;
    volatile long expiresAt = -1;
    volatile boolean disabled;

    Robot(long id, String name, String secret) {
      this.id = id;
      this.name = name;
      this.secret = secret;
    }
  }

  /** A PATCH Harbor accepted: the new secret and when (System.nanoTime) it took effect. */
  public record Rotation(long robotId, String secret, long acceptedNanos) {}

  final StubServer server;
  final Map<Long, Robot> robots = new ConcurrentHashMap<>();
  /** username to password of Harbor users, and which of them may manage robots. */
  final Map<String, String> users = new ConcurrentHashMap<>();
  final List<String> admins = new CopyOnWriteArrayList<>();
  public final List<Rotation> rotations = new CopyOnWriteArrayList<>();
  volatile int failWith;
  /**
   * Called with the robot's name and new secret as Harbor takes it, before the PATCH answers (a
   * registry whose accounts follow it then accepts only the new secret, as Harbor's does).
   */
  public volatile BiConsumer<String, String> secretChanged = (name, secret) -> {};
  private final String expectedHost;

  HarborStub(SSLContext tls, java.net.InetAddress bind, String expectedHost) throws IOException {
    this.server = StubServer.https(tls, bind);
    this.expectedHost = expectedHost == null ? server.hostPort() : expectedHost + ":" + server.port();
    server.handler(this::handle);
  }

  public HarborStub(SSLContext tls) throws IOException {
    this(tls, java.net.InetAddress.getLoopbackAddress(), null);
  }

  public HarborStub user(String username, String password, boolean admin) {
    users.put(username, password);
    if (admin) {
      admins.add(username);
    }
    return this;
  }

  public Robot robot(long id, String name, String secret) {
    Robot r = new Robot(id, name, secret);
    robots.put(id, r);
    return r;
  }

  /** What Harbor's registry answers to a docker login: only the robot's current secret. */
  boolean login(String username, String password) {
    return robots.values().stream().anyMatch(r -> r.name.equals(username) && r.secret.equals(password) && !r.disabled);
  }

  int port() {
    return server.port();
  }

  public String url() {
    return server.url();
  }

  /** {@code 127.0.0.1:<port>}, as an allow-list names the stub. */
  public String hostPort() {
    return server.hostPort();
  }

  public List<Request> requests() {
    return server.requests();
  }

  private Response handle(Request r) {
    assertThat(r.header("Host")).as("Host header").isEqualTo(expectedHost);
    if (failWith != 0) {
      return error(failWith, "INTERNAL_SERVER_ERROR", "internal error");
    }
    Matcher m = ROBOT_PATH.matcher(r.path());
    if (!m.matches() || r.query() != null) {
      return error(404, "NOT_FOUND", "not found");
    }
    String user = authenticated(r.header("Authorization"));
    if (user == null) {
      return error(401, "UNAUTHORIZED", "unauthorized");
    }
    Robot robot = robots.get(Long.parseLong(m.group(1)));
    if (robot == null) {
      return error(404, "NOT_FOUND", "robot " + m.group(1) + " not found");
    }
    if (!admins.contains(user)) {
      return error(403, "FORBIDDEN", "forbidden");
    }
    switch (r.method()) {
      case "GET":
        return Response.json(200, JSON.createObjectNode().put("id", robot.id).put("name", robot.name)
            .put("description", "").put("level", "project").put("duration", robot.expiresAt < 0 ? -1 : 30)
            .put("disable", robot.disabled).put("editable", true).put("expires_at", robot.expiresAt)
            .put("creation_time", "2030-01-01T00:00:00.000Z").put("update_time", "2030-01-01T00:00:00.000Z").toString());
      case "PATCH":
        return refresh(r, robot);
      default:
        return error(405, "METHOD_NOT_ALLOWED", "method not allowed");
    }
  }

  private Response refresh(Request r, Robot robot) {
    String type = r.header("Content-Type");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      return error(415, "UNSUPPORTED_MEDIA_TYPE", "unsupported media type");
    }
    JsonNode body;
    try {
      body = JSON.readTree(r.body());
    } catch (IOException e) {
      return error(400, "BAD_REQUEST", "parsing robotSec body failed");
    }
    if (body == null || !body.isObject() || !body.path("secret").isTextual()) {
      return error(400, "BAD_REQUEST", "robotSec in body is required");
    }
    List<String> fields = new ArrayList<>();
    body.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).as("fields of the RefreshSec body").containsExactly("secret");
    String secret = body.get("secret").asText();
    if (!HarborCredentialProvider.validSecret(secret)) {
      return error(400, "BAD_REQUEST", "the secret must be 8-128, inclusively, characters long with at least 1"
          + " uppercase letter, 1 lowercase letter and 1 number");
    }
    secretChanged.accept(robot.name, secret);
    robot.secret = secret;
    rotations.add(new Rotation(robot.id, secret, System.nanoTime()));
    return Response.json(200, JSON.createObjectNode().put("secret", secret).toString());
  }

  private String authenticated(String authorization) {
    if (authorization == null || !authorization.startsWith("Basic ")) {
      return null;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(authorization.substring("Basic ".length())), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return null;
    }
    String user = decoded.substring(0, colon);
    return decoded.substring(colon + 1).equals(users.get(user)) ? user : null;
  }

  private static Response error(int status, String code, String message) {
    return Response.json(status, JSON.createObjectNode().set("errors", JSON.createArrayNode()
        .add(JSON.createObjectNode().put("code", code).put("message", message))).toString());
  }

  @Override
  public void close() {
    server.close();
  }
}
