package io.pullsecrets.operator.provider.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.cloud.AdminEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.classic.methods.HttpDelete;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;

/**
 * The calls of GitLab's REST API (v4) on project and group access tokens the provider makes, with
 * the admin token in the {@code PRIVATE-TOKEN} header, to one checked endpoint: the connection
 * goes only to the addresses that were checked, directly (no proxy), without redirects, retries,
 * cookies or cached auth. Messages carry GitLab's HTTP status only, never a body.
 *
 * <p>{@code scope} is {@code projects/<id or URL-encoded path>} or {@code groups/<...>}.
 */
final class GitLabApi implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String SCOPE = "read_registry";
  /** Reporter: may pull from a private project's registry. */
  static final int ACCESS_LEVEL = 20;
  private static final int MAX_BODY = 512 * 1024;

  /**
   * An access token as GitLab shows it.
   *
   * @param token the secret value: only in the answers to create and rotate, else null
   * @param expiresAt the day at whose start (00:00 UTC) it stops working; null: never
   */
  record Token(long id, String name, boolean active, LocalDate expiresAt, String token) {
    @Override
    public String toString() {
      return "Token[id=" + id + ", name=" + name + ", active=" + active + ", expiresAt=" + expiresAt + "]";
    }
  }

  private final AdminEndpoint endpoint;
  private final String adminToken;
  private final String scope;
  private final CloseableHttpClient http;

  GitLabApi(AdminEndpoint endpoint, String adminToken, String scope, SSLContext tls, int timeoutSeconds) {
    this.endpoint = endpoint;
    this.adminToken = adminToken;
    this.scope = scope;
    this.http = endpoint.httpClient(tls, timeoutSeconds);
  }

  /** {@code projects/<id>} or {@code groups/<id>}, the ID or full path URL-encoded as GitLab expects. */
  static String scope(boolean project, String idOrPath) {
    return (project ? "projects/" : "groups/") + URLEncoder.encode(idOrPath, StandardCharsets.UTF_8);
  }

  private String tokens() {
    return "/api/v4/" + scope + "/access_tokens";
  }

  /** {@code GET :scope/access_tokens/:token_id}; null when GitLab does not know it (404). */
  Token get(long id) throws ProviderException {
    Answer a = call(new HttpGet(endpoint.uri(tokens() + "/" + id)), "read access token " + id, 200, 404);
    return a.status == 404 ? null : token(a.body, "read access token " + id);
  }

  /** The active tokens named {@code name}: {@code GET :scope/access_tokens?state=active} (filtered here too). */
  List<Token> active(String name) throws ProviderException {
    String what = "list the access tokens";
    Answer a = call(new HttpGet(endpoint.uri(tokens() + "?state=active&per_page=100")), what, 200);
    if (!a.body.isArray()) {
      throw unusable(what);
    }
    List<Token> out = new ArrayList<>();
    for (JsonNode n : a.body) {
      Token t = token(n, what);
      if (t.active() && name.equals(t.name())) {
        out.add(t);
      }
    }
    return out;
  }

  /** {@code POST :scope/access_tokens}: a new token with {@value #SCOPE} only, Reporter, expiring on {@code expiresAt}. */
  Token create(String name, String description, LocalDate expiresAt) throws ProviderException {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("name", name).put("description", description)
        .put("access_level", ACCESS_LEVEL).put("expires_at", expiresAt.toString());
    body.putArray("scopes").add(SCOPE);
    HttpPost post = new HttpPost(endpoint.uri(tokens()));
    post.setEntity(new ByteArrayEntity(body.toString().getBytes(StandardCharsets.UTF_8), ContentType.APPLICATION_JSON));
    return withValue(token(call(post, "create an access token", 201).body, "create an access token"), "create an access token");
  }

  /** {@code POST :scope/access_tokens/:token_id/rotate} with {@code expires_at}: GitLab revokes {@code id} and answers its successor. */
  Token rotate(long id, LocalDate expiresAt) throws ProviderException {
    String what = "rotate access token " + id;
    HttpPost post = new HttpPost(endpoint.uri(tokens() + "/" + id + "/rotate"));
    byte[] body = JsonNodeFactory.instance.objectNode().put("expires_at", expiresAt.toString()).toString()
        .getBytes(StandardCharsets.UTF_8);
    post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
    return withValue(token(call(post, what, 200).body, what), what);
  }

  /** {@code DELETE :scope/access_tokens/:token_id}: true when revoked now, false when GitLab does not know it (404). */
  boolean revoke(long id) throws ProviderException {
    return call(new HttpDelete(endpoint.uri(tokens() + "/" + id)), "revoke access token " + id, 204, 404).status == 204;
  }

  private static Token withValue(Token t, String what) throws ProviderException {
    if (t.token() == null || t.token().isBlank() || t.token().length() > 4096) {
      throw unusable(what);
    }
    return t;
  }

  private static Token token(JsonNode n, String what) throws ProviderException {
    if (n == null || !n.path("id").canConvertToLong() || n.path("id").asLong() < 1 || !n.path("name").isTextual()) {
      throw unusable(what);
    }
    LocalDate expires = null;
    if (n.path("expires_at").isTextual()) {
      try {
        expires = LocalDate.parse(n.path("expires_at").asText().substring(0, Math.min(10, n.path("expires_at").asText().length())));
      } catch (DateTimeParseException e) {
        throw unusable(what);
      }
    }
    String value = n.path("token").isTextual() ? n.path("token").asText() : null;
    boolean active = n.path("active").asBoolean(false) && !n.path("revoked").asBoolean(false);
    return new Token(n.path("id").asLong(), n.path("name").asText(), active, expires, value);
  }

  private static ProviderException unusable(String what) {
    return ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "GitLab's answer to " + what + " is not usable");
  }

  private record Answer(int status, JsonNode body) {}

  private Answer call(HttpUriRequestBase request, String what, int... expected) throws ProviderException {
    request.setHeader("PRIVATE-TOKEN", adminToken);
    request.setHeader("Accept", "application/json");
    int status;
    byte[] body;
    try {
      Object[] answer = http.execute(request, response -> {
        byte[] b = new byte[0];
        if (response.getEntity() != null) {
          try (InputStream in = response.getEntity().getContent()) {
            b = in.readNBytes(MAX_BODY);
          }
        }
        return new Object[] {response.getCode(), b};
      });
      status = (Integer) answer[0];
      body = (byte[]) answer[1];
    } catch (IOException e) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "GitLab at " + endpoint.hostPort()
          + " could not be reached to " + what + " (" + e.getClass().getSimpleName() + ")");
    }
    for (int ok : expected) {
      if (status == ok) {
        if (status == 204 || status == 404) {
          return new Answer(status, JSON.createObjectNode());
        }
        try {
          JsonNode n = body.length == 0 ? null : JSON.readTree(body);
          if (n == null) {
            throw unusable(what);
          }
          return new Answer(status, n);
        } catch (IOException e) {
          throw unusable(what);
        }
      }
    }
    String where = "GitLab at " + endpoint.hostPort() + " refused to " + what + ": HTTP " + status;
    switch (status) {
      case 401:
        throw ProviderException.invalid(Reasons.AUTHENTICATION_FAILED, where
            + " (the admin Secret's token is not accepted, has expired, or may not manage this token)");
      case 403:
        throw ProviderException.invalid(Reasons.ACCESS_DENIED, where
            + " (the admin Secret's token needs the api scope and the Maintainer or Owner role)");
      case 404:
        throw ProviderException.invalid(Reasons.INVALID_SPEC, where + " (no such project or group, or not visible to the"
            + " admin Secret's token)");
      case 400:
        throw ProviderException.invalid(Reasons.INVALID_SPEC, where);
      case 429:
        throw ProviderException.transientFailure(Reasons.THROTTLED, where);
      default:
        throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, where);
    }
  }

  @Override
  public void close() {
    http.close(CloseMode.IMMEDIATE);
  }
}
