package io.pullsecrets.operator.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The kubelet's keyring rules (credentialprovider URLsMatch): which docker config key serves which image. */
class RegistryMatchTest {
  @ParameterizedTest(name = "{0} serves {1}: {2}")
  @CsvSource({
      // host, with and without port
      "registry.example.com, registry.example.com/team/app:1, true",
      "registry.example.com, registry.example.com:5000/team/app:1, false",
      "registry.example.com:5000, registry.example.com:5000/team/app:1, true",
      "registry.example.com:5000, registry.example.com/team/app:1, false",
      "127.0.0.1:5000, 127.0.0.1:5000/private/app@sha256:abc, true",
      "https://registry.example.com, registry.example.com/app, true",
      "https://registry.example.com/v2/, registry.example.com/app, false",
      "REGISTRY.example.com, registry.EXAMPLE.com/app, true",
      "other.example.com, registry.example.com/app, false",
      // wildcard: one label each, same number of labels
      "*.example.com, registry.example.com/app, true",
      "*.example.com, a.b.example.com/app, false",
      "*.example.com, example.com/app, false",
      "*.*.amazonaws.com, 1234.dkr.amazonaws.com/app, true",
      "*.dkr.ecr.*.amazonaws.com, 1234.dkr.ecr.eu-west-1.amazonaws.com/app:latest, true",
      "reg*.example.com, registry.example.com/app, true",
      // path prefix
      "registry.example.com/team, registry.example.com/team/app:1, true",
      "registry.example.com/team, registry.example.com/other/app:1, false",
      "registry.example.com/team/, registry.example.com/team/app, true",
      // Docker Hub
      "docker.io, nginx, true",
      "https://index.docker.io/v1/, nginx:1.27, true",
      "index.docker.io, library/nginx, true",
      "docker.io/library, nginx, true",
      "docker.io/someone, nginx, false",
      "registry.example.com, nginx, false",
      "localhost:5000, localhost:5000/app, true",
      "localhost, localhost/app, true",
  })
  void servesByKubeletRules(String key, String image, boolean serves) {
    assertThat(RegistryMatch.serves(key, image)).isEqualTo(serves);
  }

  @ParameterizedTest
  @CsvSource({"*, abc, true", "a*c, abc, true", "a*c, abd, false", "?bc, abc, true", "**, '', true", "a?, a, false"})
  void globOverOneLabel(String pattern, String label, boolean matches) {
    assertThat(RegistryMatch.glob(pattern, label)).isEqualTo(matches);
  }

  @org.junit.jupiter.api.Test
  void aHostileGlobTakesLinearTime() {
    String pattern = "*".repeat(1000) + "b";
    String label = "a".repeat(63);
    long start = System.nanoTime();
    assertThat(RegistryMatch.serves(pattern + ".example.com", label + ".example.com/app")).isFalse();
    assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
  }
}
