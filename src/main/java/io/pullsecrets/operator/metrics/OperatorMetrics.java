package io.pullsecrets.operator.metrics;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialStatus;
import io.pullsecrets.operator.health.PullFailure;
import io.pullsecrets.operator.reconciler.RegistryCredentialReconciler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * The operator's Prometheus metrics. Every series is named {@code pullsecret_*} except JOSDK's own
 * reconciliation metrics ({@code operator_sdk_*}, from {@link #josdkMetrics()}).
 *
 * <p>Labels are bounded: per-credential series carry the RegistryCredential's {@code namespace}
 * and {@code name} (as many series as there are credentials), aggregate series carry {@code
 * provider}, {@code result} and {@code reason} (small fixed sets). No series is labelled with a
 * target namespace. A credential's series are removed when it is deleted.
 *
 * <table>
 *   <caption>series</caption>
 *   <tr><td>pullsecret_token_expiry_timestamp_seconds{namespace,name,provider}</td><td>gauge: when the current token expires (absent for credentials that do not expire)</td></tr>
 *   <tr><td>pullsecret_last_refresh_success{namespace,name,provider}</td><td>gauge: 1 if the last provider call succeeded, 0 if it failed</td></tr>
 *   <tr><td>pullsecret_refreshes_total{provider,result,reason}</td><td>counter: provider calls; result success or failure</td></tr>
 *   <tr><td>pullsecret_refresh_duration_seconds{provider,result}</td><td>histogram: provider call duration</td></tr>
 *   <tr><td>pullsecret_namespaces_targeted / _synced / _failed{namespace,name}</td><td>gauges: the credential's target namespaces, those holding the current Secret, those failing</td></tr>
 *   <tr><td>pullsecret_managed_secrets</td><td>gauge: Secrets the operator keeps in sync, over all credentials</td></tr>
 *   <tr><td>pullsecret_credentials</td><td>gauge: RegistryCredentials this replica has reconciled since it started and not seen deleted (0 on a standby replica until it leads)</td></tr>
 *   <tr><td>pullsecret_leader</td><td>gauge: 1 while this replica reconciles (leader, or leader election off)</td></tr>
 *   <tr><td>pullsecret_webhook_admission_requests_total{result}</td><td>counter: pod admission requests; result mutated, unchanged, not-ready or error (allowed unchanged)</td></tr>
 *   <tr><td>pullsecret_webhook_pods_mutated_total</td><td>counter: pods the webhook added at least one pull secret to</td></tr>
 *   <tr><td>pullsecret_webhook_admission_duration_seconds{result}</td><td>histogram: time inside the operator per admission request</td></tr>
 * </table>
 */
public final class OperatorMetrics implements RegistryCredentialReconciler.RefreshListener,
    io.pullsecrets.operator.webhook.PodWebhook.Listener {
  static final Duration[] WEBHOOK_BUCKETS = {
    Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
    Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(100)
  };
  static final List<String> WEBHOOK_RESULTS = List.of("mutated", "unchanged", "not-ready", "error");
  private static final String PREFIX = "pullsecret.";
  static final Duration[] BUCKETS = {
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
    Duration.ofSeconds(30)
  };

  private final PrometheusMeterRegistry registry;
  private final Map<Key, CredentialState> credentials = new ConcurrentHashMap<>();
  private final AtomicInteger leader = new AtomicInteger();
  private final Map<String, Counter> admissions = new ConcurrentHashMap<>();
  private final Map<String, Timer> admissionTimes = new ConcurrentHashMap<>();
  private volatile Counter podsMutated;
  private final MultiGauge tokenExpiry;
  private final MultiGauge lastRefreshSuccess;
  private final MultiGauge namespacesTargeted;
  private final MultiGauge namespacesSynced;
  private final MultiGauge namespacesFailed;

  private record Key(String namespace, String name) {
    Tags tags() {
      return Tags.of("namespace", namespace, "name", name);
    }
  }

  /**
   * What the per-credential gauges show: the provider's series exist once it has been called
   * ({@code lastRefreshSuccess} not null), the expiry while the last successful call returned one,
   * the namespace counts once the credential has synced ({@code counts} not null).
   */
  private record CredentialState(String provider, Double lastRefreshSuccess, Instant expiresAt, Counts counts) {
    static final CredentialState NONE = new CredentialState("", null, null, null);

    CredentialState refreshed(String newProvider, boolean success, Instant newExpiry) {
      // Another provider starts over: the old provider's expiry is not this one's.
      Instant kept = newProvider.equals(provider) ? expiresAt : null;
      return new CredentialState(newProvider, success ? 1.0 : 0.0, success ? newExpiry : kept, counts);
    }

    CredentialState synced(Counts newCounts) {
      return new CredentialState(provider, lastRefreshSuccess, expiresAt, newCounts);
    }

    int synced() {
      return counts == null ? 0 : counts.synced();
    }
  }

  private record Counts(int targeted, int synced, int failed) {}

  public OperatorMetrics() {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Gauge.builder(PREFIX + "managed.secrets", credentials, m -> m.values().stream().mapToInt(CredentialState::synced).sum())
        .description("Secrets the operator keeps in sync, over all RegistryCredentials")
        .register(registry);
    Gauge.builder(PREFIX + "credentials", credentials, Map::size)
        .description("RegistryCredentials this replica has reconciled since it started and not seen deleted (0 on a standby replica until it leads)")
        .register(registry);
    Gauge.builder(PREFIX + "leader", leader, AtomicInteger::get)
        .description("1 while this replica reconciles (it holds the lease, or leader election is off)")
        .register(registry);
    tokenExpiry = MultiGauge.builder(PREFIX + "token.expiry.timestamp")
        .description("When the credential's current registry token expires (Unix time)")
        .baseUnit("seconds")
        .register(registry);
    lastRefreshSuccess = multiGauge("last.refresh.success", "1 if the credential's last provider call succeeded, 0 if it failed");
    namespacesTargeted = multiGauge("namespaces.targeted", "Namespaces the credential targets");
    namespacesSynced = multiGauge("namespaces.synced", "Target namespaces holding the credential's current Secret");
    namespacesFailed = multiGauge("namespaces.failed", "Target namespaces the credential failed to sync (conflicts, API errors)");
  }

  private MultiGauge multiGauge(String name, String description) {
    return MultiGauge.builder(PREFIX + name).description(description).register(registry);
  }

  /** Registers the webhook's series (so they read 0 before the first request). */
  public void enableWebhookMetrics() {
    mutatedCounter();
    WEBHOOK_RESULTS.forEach(this::admissionCounter);
    WEBHOOK_RESULTS.forEach(this::admissionTimer);
  }

  private Counter mutatedCounter() {
    Counter c = podsMutated;
    if (c == null) {
      c = Counter.builder(PREFIX + "webhook.pods.mutated")
          .description("Pods the admission webhook added at least one managed pull secret to")
          .register(registry);
      podsMutated = c;
    }
    return c;
  }

  private Counter admissionCounter(String result) {
    return admissions.computeIfAbsent(result, r -> Counter.builder(PREFIX + "webhook.admission.requests")
        .description("Pod admission requests answered by the webhook (always allowed)")
        .tags("result", r)
        .register(registry));
  }

  private Timer admissionTimer(String result) {
    return admissionTimes.computeIfAbsent(result, r -> Timer.builder(PREFIX + "webhook.admission.duration")
        .description("Time spent inside the operator per pod admission request")
        .tags("result", r)
        .serviceLevelObjectives(WEBHOOK_BUCKETS)
        .register(registry));
  }

  @Override
  public void admitted(String result, Duration took, int added) {
    admissionCounter(result).increment();
    admissionTimer(result).record(took);
    if (added > 0) {
      mutatedCounter().increment();
    }
  }

  /** JOSDK's reconciliation metrics (operator_sdk_*), aggregated per resource type. */
  public Metrics josdkMetrics() {
    return MicrometerMetrics.withoutPerResourceMetrics(registry);
  }

  /** The Prometheus text exposition of every series. */
  public String scrape() {
    return registry.scrape();
  }

  public void setLeader(boolean leading) {
    leader.set(leading ? 1 : 0);
  }

  @Override
  public void refreshed(CredentialResource<?> rc, String provider, boolean success, String reason, Duration took, Instant expiresAt) {
    String result = success ? "success" : "failure";
    Counter.builder(PREFIX + "refreshes")
        .description("Provider calls that mint or read a registry credential")
        .tags("provider", provider, "result", result, "reason", reason == null ? "" : reason)
        .register(registry)
        .increment();
    Timer.builder(PREFIX + "refresh.duration")
        .description("Duration of provider calls")
        .tags("provider", provider, "result", result)
        .serviceLevelObjectives(BUCKETS)
        .register(registry)
        .record(took);
    update(key(rc), s -> s.refreshed(provider, success, expiresAt));
  }

  @Override
  public void synced(CredentialResource<?> rc, RegistryCredentialStatus status) {
    update(key(rc), s -> {
      var n = status.getNamespaces();
      return s.synced(n == null
          ? (s.counts() == null ? new Counts(0, 0, 0) : s.counts())
          : new Counts(n.getTargeted(), n.getSynced(), n.getFailed()));
    });
  }

  @Override
  public synchronized void deleted(CredentialResource<?> rc) {
    if (credentials.remove(key(rc)) != null) {
      publish();
    }
    registry.find(PREFIX + "pull.failures").tags(PULL_CREDENTIAL_NAMESPACE, namespaceLabel(rc),
        PULL_CREDENTIAL, rc.getMetadata().getName()).counters().forEach(registry::remove);
  }

  static final String PULL_CREDENTIAL_NAMESPACE = "credential_namespace";
  static final String PULL_CREDENTIAL = "credential";

  /** pullsecret_pull_failures_total: failed pulls the credential should have served (docs/pull-health.md). */
  @Override
  public void pullFailures(CredentialResource<?> rc, PullFailure.Kind kind, long n) {
    Counter.builder(PREFIX + "pull.failures")
        .description("Failed image pulls (kubelet Events) that a RegistryCredential should have served, by kind (auth, notfound, other)")
        .tags(PULL_CREDENTIAL_NAMESPACE, namespaceLabel(rc), PULL_CREDENTIAL, rc.getMetadata().getName(),
            "kind", kind.label())
        .register(registry)
        .increment(n);
  }

  /** Applies a change; the series are registered again only when the credential's values changed. */
  private synchronized void update(Key key, UnaryOperator<CredentialState> change) {
    CredentialState before = credentials.get(key);
    CredentialState after = change.apply(before == null ? CredentialState.NONE : before);
    if (!after.equals(before)) {
      credentials.put(key, after);
      publish();
    }
  }

  /**
   * Sets every per-credential series from {@link #credentials}; a row missing from a register call
   * is removed, so a deleted credential's series (and a replaced provider's) disappear.
   */
  private void publish() {
    List<MultiGauge.Row<?>> expiry = new ArrayList<>();
    List<MultiGauge.Row<?>> success = new ArrayList<>();
    List<MultiGauge.Row<?>> targeted = new ArrayList<>();
    List<MultiGauge.Row<?>> synced = new ArrayList<>();
    List<MultiGauge.Row<?>> failed = new ArrayList<>();
    credentials.forEach((key, s) -> {
      Tags withProvider = key.tags().and("provider", s.provider());
      if (s.lastRefreshSuccess() != null) {
        success.add(MultiGauge.Row.of(withProvider, s.lastRefreshSuccess()));
      }
      if (s.expiresAt() != null) {
        expiry.add(MultiGauge.Row.of(withProvider, s.expiresAt().toEpochMilli() / 1000.0));
      }
      if (s.counts() != null) {
        targeted.add(MultiGauge.Row.of(key.tags(), s.counts().targeted()));
        synced.add(MultiGauge.Row.of(key.tags(), s.counts().synced()));
        failed.add(MultiGauge.Row.of(key.tags(), s.counts().failed()));
      }
    });
    tokenExpiry.register(expiry, true);
    lastRefreshSuccess.register(success, true);
    namespacesTargeted.register(targeted, true);
    namespacesSynced.register(synced, true);
    namespacesFailed.register(failed, true);
  }

  /** A ClusterRegistryCredential's namespace label is empty. */
  private static Key key(CredentialResource<?> rc) {
    return new Key(namespaceLabel(rc), rc.getMetadata().getName());
  }

  private static String namespaceLabel(CredentialResource<?> rc) {
    return rc.clusterScoped() ? "" : rc.getMetadata().getNamespace();
  }
}
