package io.pullsecrets.operator.metrics;

import static io.pullsecrets.operator.metrics.Prometheus.get;
import static io.pullsecrets.operator.metrics.Prometheus.hasSeries;
import static io.pullsecrets.operator.metrics.Prometheus.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pullsecrets.operator.Main;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.staticsecret.StaticCredentialProvider;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.MainOnRealServer;
import io.pullsecrets.operator.testing.TestProviders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator as {@link Main} assembles it, on the real API server: /readyz flips once
 * the caches sync, and /metrics shows the pullsecret_* series with the right values after a sync,
 * after a failed refresh, and without the credential's series after it is deleted.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class MetricsAndHealthTest {
  static final String OPS = MainOnRealServer.OPERATOR_NS;
  static final Instant EXPIRES = Instant.parse("2030-01-01T00:00:00Z");
  static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension final Closer closer = new Closer();
  final MainOnRealServer server = closer.add(new MainOnRealServer());
  Main.Running running;
  /** When set, the provider fails with it. */
  final AtomicReference<ProviderException> failWith = new AtomicReference<>();

  /** The static provider, but its tokens expire at {@link #EXPIRES}, and it can be told to fail. */
  final CredentialProvider expiring = TestProviders.statics(request -> {
    ProviderException e = failWith.get();
    if (e != null) {
      throw e;
    }
    Credential c = new StaticCredentialProvider().fetch(request);
    return new Credential(c.registries(), c.dockerConfigJson(), EXPIRES);
  });

  @BeforeEach
  void setUp() {
    Fixtures.namespace(server.client, "team-a", Map.of());
    Fixtures.namespace(server.client, "team-b", Map.of());
    Fixtures.loginSecret(server.client, OPS, "robot", "robot$ci", "s3cret-password");
  }

  @Test
  void readyzFlipsAfterCachesSyncAndMetricsFollowTheCredential() {
    running = closer.add(server.create(MainOnRealServer.config(),
        PullSecretOperator.Options.defaults(server.operatorClient).withProviders(new ProviderRegistry(List.of(expiring)))));
    int port = running.httpPort();

    // Before start: alive, not ready, metrics already served.
    assertThat(get(port, "/healthz").status()).isEqualTo(200);
    Prometheus.Response notReady = get(port, "/readyz");
    assertThat(notReady.status()).isEqualTo(503);
    assertThat(notReady.body()).contains("not synced");
    Prometheus.Response early = get(port, "/metrics");
    assertThat(early.status()).isEqualTo(200);
    assertThat(early.contentType()).startsWith("text/plain; version=0.0.4");
    assertThat(value(early.body(), "pullsecret_managed_secrets", Map.of())).hasValue(0);

    running.start();
    await().atMost(WAIT).until(() -> get(port, "/readyz").status() == 200);
    assertThat(get(port, "/readyz").body()).isEqualTo("ok\n");
    assertThat(get(port, "/healthz").status()).isEqualTo(200);
    assertThat(get(port, "/nope").status()).isEqualTo(404);

    // A credential targeting two namespaces.
    RegistryCredential rc = CredentialBuilder.staticLogin(OPS, "robot", "registry.example.com", "robot")
        .targets(List.of("team-a", "team-b")).build();
    server.client.resource(rc).create();

    Map<String, String> cred = Map.of("namespace", OPS, "name", "robot");
    await().atMost(WAIT).until(() -> value(scrape(port), "pullsecret_namespaces_synced", cred).orElse(-1) == 2);
    String m = scrape(port);
    assertThat(value(m, "pullsecret_namespaces_targeted", cred)).hasValue(2);
    assertThat(value(m, "pullsecret_namespaces_failed", cred)).hasValue(0);
    assertThat(value(m, "pullsecret_managed_secrets", Map.of())).hasValue(2);
    assertThat(value(m, "pullsecret_credentials", Map.of())).hasValue(1);
    assertThat(value(m, "pullsecret_leader", Map.of())).hasValue(1);
    assertThat(value(m, "pullsecret_token_expiry_timestamp_seconds", Map.of("namespace", OPS, "name", "robot", "provider", "static")))
        .hasValue(EXPIRES.getEpochSecond());
    assertThat(value(m, "pullsecret_last_refresh_success", cred)).hasValue(1);
    assertThat(value(m, "pullsecret_refreshes_total", Map.of("provider", "static", "result", "success", "reason", "Success")))
        .hasValue(1);
    assertThat(value(m, "pullsecret_refresh_duration_seconds_count", Map.of("provider", "static", "result", "success")))
        .hasValue(1);
    assertThat(hasSeries(m, "pullsecret_refresh_duration_seconds_bucket", Map.of("provider", "static", "le", "0.05"))).isTrue();
    // JOSDK's reconciliation metrics are on the same registry.
    assertThat(m).contains("operator_sdk_reconciliations_started_total");
    assertThat(m).contains("operator_sdk_reconciliations_success_total");
    // No series names a target namespace, and none carries the secret.
    assertThat(m).doesNotContain("team-a").doesNotContain("s3cret-password").doesNotContain("robot$ci");

    // A failed refresh: the source changes, the provider fails; the old token stays and is reported.
    failWith.set(ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "registry said 503"));
    Fixtures.loginSecret(server.client, OPS, "robot", "robot$ci", "rotated-password");
    await().atMost(WAIT).until(() -> value(scrape(port), "pullsecret_last_refresh_success", cred).orElse(-1) == 0);
    m = scrape(port);
    assertThat(value(m, "pullsecret_refreshes_total", Map.of("provider", "static", "result", "failure", "reason", "ProviderUnavailable")).orElse(0))
        .isGreaterThanOrEqualTo(1);
    assertThat(value(m, "pullsecret_refreshes_total", Map.of("provider", "static", "result", "success"))).hasValue(1);
    assertThat(value(m, "pullsecret_token_expiry_timestamp_seconds", cred)).hasValue(EXPIRES.getEpochSecond());
    assertThat(value(m, "pullsecret_namespaces_synced", cred)).hasValue(2);

    // Recovery, then deletion removes the credential's series.
    failWith.set(null);
    await().atMost(WAIT).until(() -> value(scrape(port), "pullsecret_last_refresh_success", cred).orElse(-1) == 1);
    server.client.resource(rc).delete();
    await().atMost(WAIT).until(() -> !hasSeries(scrape(port), "pullsecret_namespaces_synced", cred));
    m = scrape(port);
    for (String series : List.of("pullsecret_token_expiry_timestamp_seconds", "pullsecret_last_refresh_success",
        "pullsecret_namespaces_targeted", "pullsecret_namespaces_failed")) {
      assertThat(hasSeries(m, series, cred)).as(series).isFalse();
    }
    assertThat(value(m, "pullsecret_managed_secrets", Map.of())).hasValue(0);
    assertThat(value(m, "pullsecret_credentials", Map.of())).hasValue(0);
    // Aggregate counters stay (they are per provider, not per credential).
    assertThat(value(m, "pullsecret_refreshes_total", Map.of("provider", "static", "result", "success")).orElse(0)).isGreaterThanOrEqualTo(2);
  }

  @Test
  void healthEndpointsAnswerOnlyGetAndHead() throws Exception {
    running = closer.add(server.create(MainOnRealServer.config()));
    var http = java.net.http.HttpClient.newHttpClient();
    var post = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + running.httpPort() + "/metrics"))
        .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  private static String scrape(int port) {
    Prometheus.Response r = get(port, "/metrics");
    assertThat(r.status()).isEqualTo(200);
    return r.body();
  }
}
