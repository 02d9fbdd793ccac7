package io.pullsecrets.operator.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DockerConfigJsonTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void rendersLikeKubectlCreateSecretDockerRegistry() {
    // The document from the how-to this project started from, without the optional email.
    byte[] json = DockerConfigJson.render(List.of(new RegistryLogin("registry.example.com", "myuser", "mypassword")));
    assertThat(new String(json, StandardCharsets.UTF_8)).isEqualTo(
        "{\"auths\":{\"registry.example.com\":{\"username\":\"myuser\",\"password\":\"mypassword\",\"auth\":\"bXl1c2VyOm15cGFzc3dvcmQ=\"}}}");
  }

  @Test
  void rendersOneEntryPerRegistryInOrderAndEscapesJson() {
    byte[] json = DockerConfigJson.render(List.of(
        new RegistryLogin("b.example.com", "AWS", "tok\"en"),
        new RegistryLogin("a.example.com", "oauth2accesstoken", "ya29.x")));
    assertThat(new String(json, StandardCharsets.UTF_8))
        .startsWith("{\"auths\":{\"b.example.com\":{\"username\":\"AWS\",\"password\":\"tok\\\"en\"")
        .contains("\"a.example.com\":{\"username\":\"oauth2accesstoken\"");
  }

  @Test
  void readsRegistriesAndRejectsMalformedDocumentsWithoutEchoingThem() throws Exception {
    assertThat(DockerConfigJson.registries(utf8("{\"auths\":{\"x.io\":{\"auth\":\"c2VjcmV0\"},\"y.io\":{}}}")))
        .containsExactly("x.io", "y.io");
    assertThatThrownBy(() -> DockerConfigJson.registries(utf8("{\"auths\":{\"x.io\":\"hunter2\"}")))
        .hasMessage("is not valid JSON");
    assertThatThrownBy(() -> DockerConfigJson.registries(utf8("[1]"))).hasMessage("is not a JSON object");
    assertThatThrownBy(() -> DockerConfigJson.registries(utf8("{\"credsStore\":\"hunter2\"}"))).hasMessage("has no \"auths\" object");
    assertThatThrownBy(() -> DockerConfigJson.registries(utf8("{\"auths\":{}}"))).hasMessage("has no registries under \"auths\"");
    assertThatThrownBy(() -> DockerConfigJson.registries(utf8("{\"auths\":{\"x.io\":\"hunter2\"}}")))
        .hasMessage("has an \"auths\" entry that is not an object");
    assertThatThrownBy(() -> DockerConfigJson.registries(new byte[0])).hasMessage("is not a JSON object");
  }

  /** As strict as Go's encoding/json, which the API server uses for kubernetes.io/dockerconfigjson. */
  @Test
  void parsesAsStrictlyAsTheApiServer() throws Exception {
    String valid = "{\"auths\":{\"x.io\":{\"auth\":\"c2VjcmV0\"}}}";
    assertThat(DockerConfigJson.registries(utf8(" \t\r\n" + valid + "\n  "))).containsExactly("x.io");
    assertThatThrownBy(() -> DockerConfigJson.registries(utf8(valid + "{\"auths\":{}}")))
        .hasMessage("has data after the JSON value");
    assertThatThrownBy(() -> DockerConfigJson.registries(utf8(valid + " 1"))).hasMessage("has data after the JSON value");
    assertThatThrownBy(() -> DockerConfigJson.registries(utf8(valid + "hunter2"))).hasMessage("is not valid JSON");
    assertThatThrownBy(() -> DockerConfigJson.registries(utf8("\uFEFF" + valid)))
        .hasMessage("starts with a UTF-8 byte-order mark, which the API server refuses");
    byte[] latin1 = "{\"auths\":{\"x.io\":{\"password\":\"p\u00e4ss\"}}}".getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> DockerConfigJson.registries(latin1)).hasMessage("is not valid UTF-8");
  }

  @Test
  void credentialsNeverPrintTheirSecrets() {
    Credential c = Credential.of(List.of(new RegistryLogin("r.io", "u", "hunter2")), null);
    assertThat(c.toString()).doesNotContain("hunter2").contains("r.io");
    assertThat(new RegistryLogin("r.io", "u", "hunter2").toString()).doesNotContain("hunter2");
  }
}
