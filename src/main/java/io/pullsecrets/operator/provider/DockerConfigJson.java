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
   * non-empty {@code auths} object whose entries are objects. The message of the exception names
   * the problem, never the content.
   */
  public static List<String> registries(byte[] json) throws InvalidDockerConfigException {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
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

  /** The document is not a usable docker config; the message never contains its content. */
  public static final class InvalidDockerConfigException extends Exception {
    public InvalidDockerConfigException(String message) {
      super(message, null, false, false);
    }
  }
}
