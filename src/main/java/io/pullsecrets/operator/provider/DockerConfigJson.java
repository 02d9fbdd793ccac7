package io.pullsecrets.operator.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders and checks {@code .dockerconfigjson} documents. */
public final class DockerConfigJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Parses exactly one JSON value, as Go's encoding/json does: trailing data is an error. */
  private static final ObjectMapper STRICT =
      new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private DockerConfigJson() {}

  /**
   * {@code {"auths":{"<registry>":{"username":..,"password":..,"auth":base64(user:pass)}}}}, as
   * {@code kubectl create secret docker-registry} writes it.
   */
  public static byte[] render(List<RegistryLogin> logins) {
    Map<String, Object> auths = new LinkedHashMap<>();
    for (RegistryLogin login : logins) {
      Map<String, String> entry = new LinkedHashMap<>();
      entry.put("username", login.username());
      entry.put("password", login.password());
      entry.put(
          "auth",
          Base64.getEncoder()
              .encodeToString((login.username() + ":" + login.password()).getBytes(StandardCharsets.UTF_8)));
      auths.put(login.registry(), entry);
    }
    try {
      return MAPPER.writeValueAsBytes(Map.of("auths", auths));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render docker config", e);
    }
  }

  /**
   * The registries of a docker config document, checking its shape: a JSON object with a
   * non-empty {@code auths} object whose entries are objects. Parsed as strictly as the API
   * server parses a {@code kubernetes.io/dockerconfigjson} Secret (Go's encoding/json): valid
   * UTF-8 without a byte-order mark, exactly one JSON value with only whitespace around it.
   * The message of the exception names the problem, never the content.
   */
  public static List<String> registries(byte[] json) throws InvalidDockerConfigException {
    if (json.length >= 3 && (json[0] & 0xff) == 0xef && (json[1] & 0xff) == 0xbb && (json[2] & 0xff) == 0xbf) {
      throw new InvalidDockerConfigException("starts with a UTF-8 byte-order mark, which the API server refuses");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(json))
          .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new InvalidDockerConfigException("is not valid UTF-8");
    }
    JsonNode root;
    try {
      root = STRICT.readTree(text);
    } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
      throw new InvalidDockerConfigException("has data after the JSON value");
    } catch (java.io.IOException e) {
      throw new InvalidDockerConfigException("is not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new InvalidDockerConfigException("is not a JSON object");
    }
    JsonNode auths = root.get("auths");
    if (auths == null || !auths.isObject()) {
      throw new InvalidDockerConfigException("has no \"auths\" object");
    }
    if (auths.isEmpty()) {
      throw new InvalidDockerConfigException("has no registries under \"auths\"");
    }
    List<String> registries = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().isBlank() || !e.getValue().isObject()) {
        throw new InvalidDockerConfigException("has an \"auths\" entry that is not an object");
      }
      registries.add(e.getKey());
    }
    return registries;
  }

  /**
   * The username and password logins of a document this class rendered, by registry (entries
   * without both are skipped); empty when it is not such a document.
   */
  public static Map<String, RegistryLogin> logins(byte[] json) {
    Map<String, RegistryLogin> out = new LinkedHashMap<>();
    try {
      JsonNode auths = MAPPER.readTree(json).path("auths");
      for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode user = e.getValue().path("username");
        JsonNode password = e.getValue().path("password");
        if (user.isTextual() && password.isTextual()) {
          out.put(e.getKey(), new RegistryLogin(e.getKey(), user.asText(), password.asText()));
        }
      }
    } catch (java.io.IOException e) {
      return Map.of();
    }
    return out;
  }

  /** The document is not a usable docker config; the message never contains its content. */
  public static final class InvalidDockerConfigException extends Exception {
    public InvalidDockerConfigException(String message) {
      super(message, null, false, false);
    }
  }
}
