package io.pullsecrets.operator.realserver;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.StatusCondition;
import io.pullsecrets.operator.testing.Cli;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.RealApiServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad input gets a clear condition (issue 9: 14, 15, 16): bytes the API server would refuse are
 * refused before anything is written, with a message that names the Secret and key and never
 * the content.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class BadInputTest {
  static final String VALID = "{\"auths\":{\"registry.example.com\":{\"auth\":\"" 
      + Base64.getEncoder().encodeToString("robot:bad-input-secret-1".getBytes(StandardCharsets.UTF_8)) + "\"}}}";
  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;

  private static Secret secret(String name, String type, String key, byte[] value) {
    return new SecretBuilder().withNewMetadata().withName(name).withNamespace(PLATFORM_NS).endMetadata()
        .withType(type).withData(Map.of(key, Base64.getEncoder().encodeToString(value))).build();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Issue 9 #14: what the API server refuses in a kubernetes.io/dockerconfigjson Secret, the operator refuses up front. */
  @Test
  void dockerConfigThatTheApiServerRefusesIsInvalidSourceAndNothingIsWritten() {
    h = closer.add(new OperatorHarness()).start();
    byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
    Map<String, byte[]> bad = new java.util.LinkedHashMap<>();
    bad.put("trailing", concat(valid, "{\"auths\":{}}".getBytes(StandardCharsets.UTF_8)));
    bad.put("bom", concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, valid));
    bad.put("latin1", "{\"auths\":{\"registry.example.com\":{\"password\":\"p\u00e4ss\"}}}".getBytes(StandardCharsets.ISO_8859_1));
    Map<String, String> expected = Map.of(
        "trailing", "has data after the JSON value",
        "bom", "starts with a UTF-8 byte-order mark",
        "latin1", "is not valid UTF-8");

    // The valid document is accepted by the API server as a dockerconfigjson Secret.
    h.client.secrets().inNamespace(PLATFORM_NS)
        .resource(secret("typed-valid", "kubernetes.io/dockerconfigjson", ".dockerconfigjson", valid)).create();

    bad.forEach((what, bytes) -> {
      // The API server's rule: such bytes cannot be written into a Secret of this type. Invalid
      // UTF-8 inside a JSON string is the exception: Go's encoding/json accepts it and turns it
      // into U+FFFD, so the kubelet would send another password than the Secret holds; the
      // operator refuses it too (stricter than the API server, on purpose).
      Secret typed = secret("typed-" + what, "kubernetes.io/dockerconfigjson", ".dockerconfigjson", bytes);
      if (what.equals("latin1")) {
        h.client.secrets().inNamespace(PLATFORM_NS).resource(typed).create();
      } else {
        assertThatThrownBy(() -> h.client.secrets().inNamespace(PLATFORM_NS).resource(typed).create())
            .as(what)
            .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
      }

      // The same bytes in an Opaque source Secret: InvalidSource, naming Secret and key, and no write.
      h.client.secrets().inNamespace(PLATFORM_NS).resource(secret("source-" + what, "Opaque", ".dockerconfigjson", bytes)).create();
      h.apply(Fixtures.dockerConfigCredential(PLATFORM_NS, "dc-" + what, "source-" + what));
      RegistryCredential rc = h.awaitCondition(PLATFORM_NS, "dc-" + what, "Ready", "False", "InvalidSource");
      StatusCondition ready = condition(rc, "Ready").orElseThrow();
      assertThat(ready.getMessage()).as(what)
          .contains("Secret 'source-" + what + "' key '.dockerconfigjson' " + expected.get(what))
          .doesNotContain("auths").doesNotContain("registry.example.com");
      assertThat(h.secret(PLATFORM_NS, "dc-" + what)).as(what).isEmpty();
    });
  }

  /** Issue 9 #15: the CRD refuses secretName values that are not RFC 1123 subdomains. */
  @Test
  void crdRefusesSecretNamesThatAreNotDnsSubdomains() {
    h = closer.add(new OperatorHarness());
    var kubeconfig = ((RealApiServer) h.api).controlPlane.kubeconfig;
    for (String name : List.of("a..b", "a.-b", "a-.b", "-a", "a.", "x".repeat(254))) {
      Cli.Result r = Cli.kubectlStdin(kubeconfig, RealServerTest.credential("bad",
          "  provider: {static: {registry: r.example.com, secretRef: {name: a}}}\n  secretName: \"" + name + "\"\n"),
          "apply", "-f", "-");
      assertThat(r.exitCode()).as(name).isNotZero();
      assertThat(r.stderr()).as(name).contains("The RegistryCredential \"bad\" is invalid").contains("spec.secretName");
      assertThat(r.stderr()).as(name).contains(name.length() > 253 ? "may not be more than 253 bytes" : "should match");
    }
    assertThat(h.get(PLATFORM_NS, "bad")).isNull();
    Cli.kubectlStdin(kubeconfig, RealServerTest.credential("good",
        "  provider: {static: {registry: r.example.com, secretRef: {name: a}}}\n  secretName: a.b-c.d\n"), "apply", "-f", "-").ok();
    assertThat(h.get(PLATFORM_NS, "good").getSpec().getSecretName()).isEqualTo("a.b-c.d");
  }

  /** Issue 9 #15: where no schema checks it (an older CRD), the operator reports InvalidSpec. */
  @Test
  void operatorReportsSecretNamesThatAreNotDnsSubdomainsAsInvalidSpec() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "bad-input-secret-2");
    Map<String, String> names = Map.of("dots", "a..b", "dotdash", "a.-b", "dashdot", "a-.b");
    names.forEach((rcName, secretName) -> {
      RegistryCredential rc = Fixtures.staticCredential(PLATFORM_NS, rcName, "registry.example.com", "robot");
      rc.getSpec().setSecretName(secretName);
      h.apply(rc);
    });
    names.forEach((rcName, secretName) -> {
      RegistryCredential rc = h.awaitCondition(PLATFORM_NS, rcName, "Ready", "False", "InvalidSpec");
      assertThat(condition(rc, "Ready").orElseThrow().getMessage())
          .startsWith("secret name '" + secretName + "' is not a valid Secret name: it must be a DNS subdomain (RFC 1123)");
      assertThat(h.secret(PLATFORM_NS, secretName)).isEmpty();
    });
  }

  /** Issue 9 #16: a username or password that is not UTF-8 is InvalidSource, never replaced by U+FFFD. */
  @Test
  void staticLoginThatIsNotUtf8IsInvalidSourceAndNothingIsWritten() {
    h = closer.add(new OperatorHarness()).start();
    byte[] latin1 = "p\u00e4ss-bad-input-3".getBytes(StandardCharsets.ISO_8859_1);
    byte[] ok = "robot".getBytes(StandardCharsets.UTF_8);
    Map<String, Map<String, byte[]>> sources = Map.of(
        "password", Map.of("username", ok, "password", latin1),
        "username", Map.of("username", latin1, "password", "bad-input-secret-4".getBytes(StandardCharsets.UTF_8)));
    sources.forEach((key, data) -> {
      Map<String, String> encoded = new java.util.LinkedHashMap<>();
      data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v)));
      h.client.secrets().inNamespace(PLATFORM_NS).resource(new SecretBuilder().withNewMetadata().withName("login-" + key)
          .withNamespace(PLATFORM_NS).endMetadata().withData(encoded).build()).create();
      h.apply(Fixtures.staticCredential(PLATFORM_NS, "static-" + key, "registry.example.com", "login-" + key));
    });
    sources.keySet().forEach(key -> {
      RegistryCredential rc = h.awaitCondition(PLATFORM_NS, "static-" + key, "Ready", "False", "InvalidSource");
      assertThat(condition(rc, "Ready").orElseThrow().getMessage()).as(key)
          .contains("Secret 'login-" + key + "' key '" + key + "' is not valid UTF-8 text")
          .doesNotContain("bad-input").doesNotContain("\uFFFD");
      assertThat(h.secret(PLATFORM_NS, "static-" + key)).as(key).isEmpty();
    });
  }
}
