package io.pullsecrets.operator.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pullsecrets.operator.provider.RegistryLogin;
import io.pullsecrets.operator.registry.LocalRegistry;
import io.pullsecrets.operator.testing.Tools;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe against the real distribution registry ({@code docker-registry}) with htpasswd
 * (Basic) auth. Skipped when the binaries are missing, unless PULLSECRET_REQUIRE_REAL_REGISTRY=true.
 */
class DockerRegistryVerifierTest {
  static LocalRegistry registry;
  static String host;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    boolean present = Tools.onPath("docker-registry") != null && Tools.onPath("htpasswd") != null;
    if (!present && "true".equals(System.getenv("PULLSECRET_REQUIRE_REAL_REGISTRY"))) {
      throw new IllegalStateException("docker-registry and htpasswd are required");
    }
    assumeTrue(present, "docker-registry or htpasswd not installed");
    registry = new LocalRegistry(dir, "s3cret-pass");
    host = registry.host();
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void acceptsTheRightPasswordAndRejectsAWrongOne() {
    RegistryVerifier verifier = new RegistryVerifier(java.util.Set.of(host));
    RegistryVerifier.Result ok = verifier.verify(host, new RegistryLogin(host, LocalRegistry.USER, "s3cret-pass"));
    assertThat(ok.ok()).as(ok.message()).isTrue();
    assertThat(ok.httpStatus()).isEqualTo(200);

    RegistryVerifier.Result bad = verifier.verify(host, new RegistryLogin(host, LocalRegistry.USER, "wrong-pass"));
    assertThat(bad.ok()).isFalse();
    assertThat(bad.httpStatus()).isEqualTo(401);
    assertThat(bad.message()).doesNotContain("wrong-pass");
  }
}
