package io.pullsecrets.operator.registry;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proof that the replicated Secret really authenticates: a real registry with htpasswd auth and a
 * real client (skopeo) that reads the replicated .dockerconfigjson.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class RealRegistryTest {

  @Test
  void replicatedSecretAuthenticatesAndFollowsARotation(@TempDir Path dir) throws Exception {
    LocalRegistry.assumeAvailable();
    try (LocalRegistry registry = new LocalRegistry(dir, "first-password");
        // The registry listens on 127.0.0.1: verify may probe it only because it is on the allow-list.
        OperatorHarness h = new OperatorHarness().start(OperatorHarness.config(Set.of(), Set.of(registry.host())), o -> o)) {
      Fixtures.namespace(h.client, "team-a", Map.of());
      Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", LocalRegistry.USER, "first-password");
      RegistryCredential rc = CredentialBuilder.staticLogin(PLATFORM_NS, "local", registry.host(), "robot")
          .targets(List.of("team-a")).build();
      rc.getSpec().setVerify(true);
      h.apply(rc);
      h.awaitReady(PLATFORM_NS, "local");
      h.awaitCondition(PLATFORM_NS, "local", "Verified", "True", "Verified");

      Path first = authFile(h, dir.resolve("first.json"));
      assertThat(registry.push(first, "demo/hello", "v1")).satisfies(r -> assertThat(r.ok()).as(r.output()).isTrue());
      assertThat(registry.listTags(first, "demo/hello")).satisfies(r -> {
        assertThat(r.ok()).as(r.output()).isTrue();
        assertThat(r.output()).contains("\"v1\"");
      });

      // Rotate the password at the registry and in the source Secret.
      registry.setPassword("second-password");
      Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", LocalRegistry.USER, "second-password");
      h.awaitUntil(() -> h.dockerConfig("team-a", "local").contains("second-password"));
      Path second = authFile(h, dir.resolve("second.json"));

      assertThat(registry.listTags(second, "demo/hello")).satisfies(r -> assertThat(r.ok()).as(r.output()).isTrue());
      assertThat(registry.listTags(first, "demo/hello")).satisfies(r -> {
        assertThat(r.ok()).isFalse();
        assertThat(r.output().toLowerCase()).containsAnyOf("unauthorized", "authentication required");
      });
      h.awaitCondition(PLATFORM_NS, "local", "Verified", "True", "Verified");

      // A wrong password: the registry refuses it, Verified says so, the sync itself goes on.
      Fixtures.loginSecret(h.client, PLATFORM_NS, "wrong", LocalRegistry.USER, "not-the-password");
      RegistryCredential wrong = Fixtures.staticCredential(PLATFORM_NS, "wrong-login", registry.host(), "wrong");
      wrong.getSpec().setVerify(true);
      h.apply(wrong);
      RegistryCredential refused = h.awaitCondition(PLATFORM_NS, "wrong-login", "Verified", "False", "Unauthorized");
      assertThat(OperatorHarness.condition(refused, "Ready").orElseThrow().getStatus()).isEqualTo("True");
      assertThat(OperatorHarness.condition(refused, "Verified").orElseThrow().getMessage())
          .startsWith("HTTP 401").doesNotContain("not-the-password");
    }
  }

  private static Path authFile(OperatorHarness h, Path file) throws Exception {
    Files.writeString(file, h.dockerConfig("team-a", "local"));
    return file;
  }
}
