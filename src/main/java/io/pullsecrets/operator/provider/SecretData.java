package io.pullsecrets.operator.provider;

import io.fabric8.kubernetes.api.model.Secret;
import io.pullsecrets.operator.api.Reasons;
import java.util.Base64;
import java.util.Map;

/** Reading keys of source Secrets, with errors that name the key and never the value. */
public final class SecretData {
  private SecretData() {}

  /** The Secret, or SourceNotFound naming it. */
  public static Secret require(SourceSecrets secrets, String name) throws ProviderException {
    if (name == null || name.isBlank()) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "no Secret name given");
    }
    return secrets
        .get(name)
        .orElseThrow(
            () -> ProviderException.invalid(Reasons.SOURCE_NOT_FOUND, "Secret '" + name + "' not found"));
  }

  /** The decoded bytes of a key, or InvalidSource naming the Secret and key. */
  public static byte[] bytes(Secret secret, String key) throws ProviderException {
    String name = secret.getMetadata().getName();
    Map<String, String> data = secret.getData();
    String encoded = data == null ? null : data.get(key);
    if (encoded == null) {
      Map<String, String> stringData = secret.getStringData();
      if (stringData != null && stringData.get(key) != null) {
        return stringData.get(key).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      }
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "Secret '" + name + "' has no key '" + key + "'");
    }
    try {
      return Base64.getDecoder().decode(encoded.replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw ProviderException.invalid(
          Reasons.INVALID_SOURCE, "Secret '" + name + "' key '" + key + "' is not valid base64");
    }
  }

  /**
   * The value of a key decoded strictly as UTF-8, or InvalidSource naming the Secret and key:
   * bytes that are not UTF-8 are never silently replaced by U+FFFD (that would send another
   * password than the Secret holds).
   */
  public static String utf8(Secret secret, String key) throws ProviderException {
    byte[] raw = bytes(secret, key);
    try {
      return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(raw))
          .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE,
          "Secret '" + secret.getMetadata().getName() + "' key '" + key + "' is not valid UTF-8 text");
    }
  }

  /** A non-blank UTF-8 value of a key (decoded strictly, see {@link #utf8}), trimmed of a trailing newline. */
  public static String text(Secret secret, String key) throws ProviderException {
    String value = utf8(secret, key);
    if (value.endsWith("\n")) {
      value = value.substring(0, value.length() - 1);
    }
    if (value.isBlank()) {
      throw ProviderException.invalid(
          Reasons.INVALID_SOURCE, "Secret '" + secret.getMetadata().getName() + "' key '" + key + "' is empty");
    }
    return value;
  }
}
