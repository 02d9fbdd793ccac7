package io.pullsecrets.operator.provider.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * What the operator knows of the access token it owns for one RegistryCredential, kept durably
 * ({@link TokenStore}) so that a restart neither mints again nor loses track of a token.
 *
 * @param scope {@code projects/<id>} or {@code groups/<id>} the token belongs to
 * @param tokenId the current token (0: none yet)
 * @param token its value (null: unknown, e.g. a state written before the answer came)
 * @param expiresAt the day the current token stops working, at 00:00 UTC
 * @param refreshRequest the refresh-requested annotation the current token answered
 * @param rotating the call in flight, recorded before it is made (null: none)
 */
record TokenState(String scope, long tokenId, String token, LocalDate expiresAt, String refreshRequest, Intent rotating) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A call recorded before it is made: the request key of one refresh. {@code from} is the token
   * rotated (0: a token is created); {@code expiresAt} the expiry asked for.
   */
  record Intent(long from, LocalDate expiresAt, Instant startedAt) {
    String key() {
      return (from == 0 ? "create" : "rotate " + from) + " until " + expiresAt;
    }
  }

  /** The instant a token expiring on {@code day} stops working: the start of that day, UTC. */
  static Instant expiry(LocalDate day) {
    return day == null ? null : day.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  TokenState withIntent(Intent intent) {
    return new TokenState(scope, tokenId, token, expiresAt, refreshRequest, intent);
  }

  String toJson() {
    ObjectNode n = JSON.createObjectNode().put("scope", scope).put("tokenId", tokenId);
    if (token != null) {
      n.put("token", token);
    }
    if (expiresAt != null) {
      n.put("expiresAt", expiresAt.toString());
    }
    n.put("refreshRequest", refreshRequest == null ? "" : refreshRequest);
    if (rotating != null) {
      n.putObject("rotating").put("from", rotating.from()).put("expiresAt", rotating.expiresAt().toString())
          .put("startedAt", rotating.startedAt().toString());
    }
    return n.toString();
  }

  /** The state in {@code json}, or null when it is not a state (a Secret anyone may have edited). */
  static TokenState parse(String json) {
    try {
      JsonNode n = JSON.readTree(json);
      if (n == null || !n.path("scope").isTextual() || !n.path("tokenId").canConvertToLong()) {
        return null;
      }
      Intent intent = null;
      JsonNode r = n.path("rotating");
      if (r.isObject()) {
        intent = new Intent(r.path("from").asLong(0), LocalDate.parse(r.path("expiresAt").asText()),
            Instant.parse(r.path("startedAt").asText()));
      }
      return new TokenState(n.path("scope").asText(), Math.max(0, n.path("tokenId").asLong()),
          n.path("token").isTextual() ? n.path("token").asText() : null,
          n.path("expiresAt").isTextual() ? LocalDate.parse(n.path("expiresAt").asText()) : null,
          n.path("refreshRequest").asText(""), intent);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "TokenState[scope=" + scope + ", tokenId=" + tokenId + ", expiresAt=" + expiresAt
        + (rotating == null ? "" : ", rotating=" + rotating.key()) + "]";
  }
}
