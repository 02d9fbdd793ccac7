package io.pullsecrets.operator.provider.harbor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.cloud.AdminEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPatch;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;

/**
 * The two calls of Harbor's v2.0 API the provider makes, with Basic auth, to one checked
 * endpoint: the connection goes only to the addresses that were checked (a DNS answer that
 * changes meanwhile does not move the admin login elsewhere), directly (no proxy), without
 * redirects, retries, cookies or cached auth. Messages carry Harbor's HTTP status only, never
 * a body (which could echo a secret).
 */
final class HarborApi implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TIMEOUT_SECONDS = 15;
  private static final int MAX_BODY = 256 * 1024;

  /** What the provider needs of Harbor's Robot: its name (the docker username), expiry (null: never) and state. */
  record Robot(String name, Instant expiresAt, boolean disabled) {}

  private final AdminEndpoint endpoint;
  private final String basic;
  private final CloseableHttpClient http;

  HarborApi(AdminEndpoint endpoint, String username, String password, SSLContext tls) {
    this.endpoint = endpoint;
    this.basic = "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    this.http = endpoint.httpClient(tls, TIMEOUT_SECONDS);
  }

  /** {@code GET /api/v2.0/robots/{id}}. */
  Robot robot(long id) throws ProviderException {
    JsonNode robot = call(new HttpGet(endpoint.uri("/api/v2.0/robots/" + id)), "GET robot " + id);
    String name = robot.path("name").asText("");
    if (name.isEmpty() || name.contains(":")) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "Harbor's answer to GET robot " + id
          + " has no usable robot name");
    }
    long expires = robot.path("expires_at").asLong(-1);
    return new Robot(name, expires > 0 ? Instant.ofEpochSecond(expires) : null, robot.path("disable").asBoolean(false));
  }

  /** {@code PATCH /api/v2.0/robots/{id}} with {@code {"secret": secret}} (RefreshSec). */
  void refreshSecret(long id, String secret) throws ProviderException {
    HttpPatch patch = new HttpPatch(endpoint.uri("/api/v2.0/robots/" + id));
    byte[] body = JsonNodeFactory.instance.objectNode().put("secret", secret).toString().getBytes(StandardCharsets.UTF_8);
    patch.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
    call(patch, "refresh the secret of robot " + id);
  }

  private JsonNode call(HttpUriRequestBase request, String what) throws ProviderException {
    request.setHeader("Authorization", basic);
    request.setHeader("Accept", "application/json");
    int status;
    byte[] body;
    try {
      var answer = http.execute(request, response -> {
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
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "Harbor at " + endpoint.hostPort()
          + " could not be reached to " + what + " (" + e.getClass().getSimpleName() + ")");
    }
    if (status == 200) {
      try {
        JsonNode n = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        return n == null ? JSON.createObjectNode() : n;
      } catch (IOException e) {
        throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "Harbor's answer to " + what
            + " is not JSON");
      }
    }
    String where = "Harbor at " + endpoint.hostPort() + " refused to " + what + ": HTTP " + status;
    switch (status) {
      case 401:
        throw ProviderException.invalid(Reasons.AUTHENTICATION_FAILED, where
            + " (the username and password of the admin Secret are not accepted)");
      case 403:
        throw ProviderException.invalid(Reasons.ACCESS_DENIED, where
            + " (the admin Secret's user may not manage this robot: use a system admin, or a project admin of its project)");
      case 404:
        throw ProviderException.invalid(Reasons.INVALID_SPEC, where + " (no such robot: check spec.provider.harbor.robotId)");
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
