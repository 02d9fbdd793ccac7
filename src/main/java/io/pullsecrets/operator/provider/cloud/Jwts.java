package io.pullsecrets.operator.provider.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/** Reading claims of a JWT without verifying it (the issuer verifies it; we only need exp). */
public final class Jwts {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Jwts() {}

  /** The claims of a JWT, if the value is one. */
  public static Optional<JsonNode> claims(String jwt) {
    if (jwt == null) {
      return Optional.empty();
    }
    String[] parts = jwt.trim().split("\\.");
    if (parts.length < 2) {
      return Optional.empty();
    }
    try {
      JsonNode claims = MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
      return claims != null && claims.isObject() ? Optional.of(claims) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** The {@code exp} claim, if the value is a JWT that has one. */
  public static Optional<Instant> expiry(String jwt) {
    if (jwt == null) {
      return Optional.empty();
    }
    String[] parts = jwt.split("\\.");
    if (parts.length < 2) {
      return Optional.empty();
    }
    try {
      JsonNode claims = MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
      JsonNode exp = claims == null ? null : claims.get("exp");
      return exp != null && exp.isNumber() ? Optional.of(Instant.ofEpochSecond(exp.asLong())) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
