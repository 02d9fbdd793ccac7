package io.pullsecrets.operator.provider.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Base64;

/** Reading, checking and making JWTs in stubs. */
public final class TestJwt {
  private static final ObjectMapper JSON = new ObjectMapper();

  public record Parts(JsonNode header, JsonNode claims, String signingInput, byte[] signature) {}

  private TestJwt() {}

  public static Parts parse(String jwt) {
    String[] p = jwt.split("\\.");
    if (p.length != 3) {
      throw new AssertionError("not a JWS compact serialization");
    }
    try {
      Base64.Decoder d = Base64.getUrlDecoder();
      return new Parts(JSON.readTree(d.decode(p[0])), JSON.readTree(d.decode(p[1])), p[0] + "." + p[1], d.decode(p[2]));
    } catch (Exception e) {
      throw new AssertionError("malformed JWT", e);
    }
  }

  /** Verifies an RS256 or PS256 signature; returns the parts. */
  public static Parts verifyRsa(String jwt, PublicKey key) {
    Parts parts = parse(jwt);
    String alg = parts.header().path("alg").asText();
    try {
      Signature sig;
      if (alg.equals("RS256")) {
        sig = Signature.getInstance("SHA256withRSA");
      } else if (alg.equals("PS256")) {
        sig = Signature.getInstance("RSASSA-PSS");
        sig.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
      } else {
        throw new AssertionError("unexpected alg " + alg);
      }
      sig.initVerify(key);
      sig.update(parts.signingInput().getBytes(StandardCharsets.US_ASCII));
      if (!sig.verify(parts.signature())) {
        throw new AssertionError("JWT signature does not verify");
      }
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError("cannot verify JWT", e);
    }
    return parts;
  }

  /** An RS256 JWT with these claims, signed with {@code key}. */
  public static String signRsa(String claimsJson, java.security.PrivateKey key) {
    Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
    String input = e.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + e.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
    try {
      Signature sig = Signature.getInstance("SHA256withRSA");
      sig.initSign(key);
      sig.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + e.encodeToString(sig.sign());
    } catch (java.security.GeneralSecurityException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /** An unsigned-looking JWT with the given claims JSON (signature bytes are junk). */
  public static String make(String claimsJson) {
    Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
    return e.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + e.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8)) + "." + e.encodeToString("sig".getBytes());
  }
}
