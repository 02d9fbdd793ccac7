package io.pullsecrets.operator.metrics;

import static io.pullsecrets.operator.metrics.Prometheus.hasSeries;
import static io.pullsecrets.operator.metrics.Prometheus.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.NamespaceCounts;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialStatus;
import io.pullsecrets.operator.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-credential series: their values follow each call, and they vanish with the credential or its provider. */
class OperatorMetricsTest {
  static final Instant EXPIRES = Instant.parse("2030-01-01T00:00:00Z");
  static final List<String> PER_CREDENTIAL = List.of("pullsecret_token_expiry_timestamp_seconds",
      "pullsecret_last_refresh_success", "pullsecret_namespaces_targeted", "pullsecret_namespaces_synced",
      "pullsecret_namespaces_failed");

  final OperatorMetrics metrics = new OperatorMetrics();
  final RegistryCredential a = Fixtures.staticCredential("platform", "a", "registry.example.com", "robot");
  final RegistryCredential b = Fixtures.staticCredential("platform", "b", "registry.example.com", "robot");
  final Map<String, String> aLabels = Map.of("namespace", "platform", "name", "a");
  final Map<String, String> bLabels = Map.of("namespace", "platform", "name", "b");

  static RegistryCredentialStatus status(int targeted, int synced, int failed) {
    NamespaceCounts counts = new NamespaceCounts();
    counts.setTargeted(targeted);
    counts.setSynced(synced);
    counts.setFailed(failed);
    RegistryCredentialStatus status = new RegistryCredentialStatus();
    status.setNamespaces(counts);
    return status;
  }

  @Test
  void valuesFollowTheLastCall() {
    metrics.refreshed(a, "ecr", true, "Success", Duration.ofMillis(5), EXPIRES);
    metrics.synced(a, status(3, 3, 0));
    metrics.refreshed(a, "ecr", false, "ProviderUnavailable", Duration.ofMillis(5), null);
    metrics.synced(a, status(3, 2, 1));

    String m = metrics.scrape();
    // A failed call keeps the token it had, and its expiry.
    assertThat(value(m, "pullsecret_token_expiry_timestamp_seconds", aLabels)).hasValue(EXPIRES.getEpochSecond());
    assertThat(value(m, "pullsecret_last_refresh_success", Map.of("name", "a", "provider", "ecr"))).hasValue(0);
    assertThat(value(m, "pullsecret_namespaces_targeted", aLabels)).hasValue(3);
    assertThat(value(m, "pullsecret_namespaces_synced", aLabels)).hasValue(2);
    assertThat(value(m, "pullsecret_namespaces_failed", aLabels)).hasValue(1);
    assertThat(value(m, "pullsecret_managed_secrets", Map.of())).hasValue(2);

    // A token without expiry: no expiry series.
    metrics.refreshed(a, "ecr", true, "Success", Duration.ofMillis(5), null);
    assertThat(hasSeries(metrics.scrape(), "pullsecret_token_expiry_timestamp_seconds", aLabels)).isFalse();
  }

  @Test
  void anotherProviderReplacesTheOldProvidersSeries() {
    metrics.refreshed(a, "ecr", true, "Success", Duration.ofMillis(5), EXPIRES);
    metrics.refreshed(a, "gcp", false, "ProviderUnavailable", Duration.ofMillis(5), null);

    String m = metrics.scrape();
    assertThat(hasSeries(m, "pullsecret_last_refresh_success", Map.of("name", "a", "provider", "ecr"))).isFalse();
    assertThat(value(m, "pullsecret_last_refresh_success", Map.of("name", "a", "provider", "gcp"))).hasValue(0);
    assertThat(hasSeries(m, "pullsecret_token_expiry_timestamp_seconds", aLabels)).isFalse();
  }

  @Test
  void aDeletedCredentialsSeriesDisappearAndTheOthersStay() {
    for (RegistryCredential rc : List.of(a, b)) {
      metrics.refreshed(rc, "ecr", true, "Success", Duration.ofMillis(5), EXPIRES);
      metrics.synced(rc, status(2, 2, 0));
    }
    metrics.deleted(a);

    String m = metrics.scrape();
    for (String series : PER_CREDENTIAL) {
      assertThat(hasSeries(m, series, aLabels)).as(series + " of a").isFalse();
      assertThat(hasSeries(m, series, bLabels)).as(series + " of b").isTrue();
    }
    assertThat(value(m, "pullsecret_credentials", Map.of())).hasValue(1);
    assertThat(value(m, "pullsecret_managed_secrets", Map.of())).hasValue(2);
  }
}
