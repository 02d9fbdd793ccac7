package io.pullsecrets.operator.provider.ecr;

import io.pullsecrets.operator.provider.cloud.StubServer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks an AWS Signature Version 4 {@code Authorization} header the way AWS does: rebuilds the
 * canonical request from what arrived and recomputes the signature with the secret key.
 */
final class SigV4 {
  private static final Pattern AUTH = Pattern.compile(
      "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})");

  /** What a valid signature says about the caller. */
  record Signed(String accessKeyId, String region, String service) {}

  private SigV4() {}

  /**
   * Verifies the request's signature with the secret of its access key ID.
   *
   * @throws AssertionError when the header is missing or malformed or the signature is wrong
   */
  static Signed verify(StubServer.Request r, Map<String, String> secretsByKeyId) {
    String auth = r.header("authorization");
    if (auth == null) {
      throw new AssertionError("no Authorization header");
    }
    Matcher m = AUTH.matcher(auth);
    if (!m.matches()) {
      throw new AssertionError("not a SigV4 Authorization header");
    }
    String keyId = m.group(1);
    String date = m.group(2);
    String region = m.group(3);
    String service = m.group(4);
    String[] signed = m.group(5).split(";");
    String secret = secretsByKeyId.get(keyId);
    if (secret == null) {
      throw new AssertionError("unknown access key id");
    }
    String amzDate = r.header("x-amz-date");
    if (amzDate == null || !amzDate.startsWith(date)) {
      throw new AssertionError("X-Amz-Date missing or not matching the credential scope");
    }
    StringBuilder canonicalHeaders = new StringBuilder();
    List<String> names = new ArrayList<>(List.of(signed));
    if (!names.contains("host")) {
      throw new AssertionError("host is not signed");
    }
    for (String name : names) {
      List<String> values = r.headers().get(name);
      if (values == null) {
        throw new AssertionError("signed header " + name + " did not arrive");
      }
      canonicalHeaders.append(name).append(':')
          .append(String.join(",", values.stream().map(v -> v.trim().replaceAll(" +", " ")).toList())).append('\n');
    }
    String canonicalRequest = r.method() + "\n" + (r.path().isEmpty() ? "/" : r.path()) + "\n"
        + canonicalQuery(r.query()) + "\n" + canonicalHeaders + "\n" + String.join(";", signed) + "\n" + hex(sha256(r.body()));
    String scope = date + "/" + region + "/" + service + "/aws4_request";
    String stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
        + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
    byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
    key = hmac(key, region);
    key = hmac(key, service);
    key = hmac(key, "aws4_request");
    String expected = hex(hmac(key, stringToSign));
    if (!expected.equals(m.group(6))) {
      throw new AssertionError("signature does not match");
    }
    return new Signed(keyId, region, service);
  }

  private static String canonicalQuery(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return "";
    }
    List<String> parts = new ArrayList<>(List.of(rawQuery.split("&")));
    parts.sort(null);
    return String.join("&", parts);
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
