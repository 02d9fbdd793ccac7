package io.pullsecrets.operator.metrics;

import static io.pullsecrets.operator.metrics.Prometheus.hasSeries;
import static io.pullsecrets.operator.metrics.Prometheus.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.health.PullFailure;
import io.pullsecrets.operator.testing.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** pullsecret_pull_failures_total (pull health): by credential and kind, gone with the credential. */
class PullFailureMetricsTest {
  final OperatorMetrics metrics = new OperatorMetrics();
  final RegistryCredential a = Fixtures.staticCredential("platform", "a", "registry.example.com", "robot");
  final RegistryCredential b = Fixtures.staticCredential("platform", "b", "registry.example.com", "robot");

  @Test
  void countsByCredentialAndKindAndForgetsADeletedCredential() {
    metrics.pullFailures(a, PullFailure.Kind.AUTH, 2);
    metrics.pullFailures(a, PullFailure.Kind.AUTH, 3);
    metrics.pullFailures(a, PullFailure.Kind.NOTFOUND, 1);
    metrics.pullFailures(b, PullFailure.Kind.OTHER, 4);

    String m = metrics.scrape();
    Map<String, String> aAuth = Map.of("credential_namespace", "platform", "credential", "a", "kind", "auth");
    assertThat(value(m, "pullsecret_pull_failures_total", aAuth)).hasValue(5);
    assertThat(value(m, "pullsecret_pull_failures_total", Map.of("credential", "a", "kind", "notfound"))).hasValue(1);
    assertThat(value(m, "pullsecret_pull_failures_total", Map.of("credential", "b", "kind", "other"))).hasValue(4);

    metrics.deleted(a);
    m = metrics.scrape();
    assertThat(hasSeries(m, "pullsecret_pull_failures_total", Map.of("credential", "a"))).isFalse();
    assertThat(hasSeries(m, "pullsecret_pull_failures_total", Map.of("credential", "b"))).isTrue();
  }
}
