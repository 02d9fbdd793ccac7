package io.pullsecrets.operator.chart;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.controller.ResourceAction;
import io.javaoperatorsdk.operator.processing.event.source.controller.ResourceEvent;
import io.pullsecrets.operator.api.NamespaceCounts;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialStatus;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.pullsecrets.operator.metrics.Prometheus;
import io.pullsecrets.operator.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The series the operator's /metrics serves, obtained by driving {@link OperatorMetrics} (and the
 * JOSDK metrics it registers on the same registry, as {@code Main} wires them) through every event
 * it records, then scraping it: a successful and a failed refresh, a sync, a failed pull, leadership, and each
 * reconciliation callback JOSDK makes (event received, reconcile started, succeeded, failed,
 * execution started/finished, cleanup, a timed controller execution).
 */
final class ExportedSeries {
  private ExportedSeries() {}

  /** The Prometheus text exposition after every kind of event. */
  static String scrape() {
    OperatorMetrics metrics = new OperatorMetrics();
    RegistryCredential rc = Fixtures.staticCredential("platform", "harbor", "harbor.example.com", "robot");
    rc.getMetadata().setUid("0000-uid");
    metrics.setLeader(true);
    metrics.refreshed(rc, "ecr", true, "Success", Duration.ofMillis(120), Instant.now().plusSeconds(3600));
    metrics.refreshed(rc, "ecr", false, "ProviderUnavailable", Duration.ofMillis(80), null);
    RegistryCredentialStatus status = new RegistryCredentialStatus();
    NamespaceCounts counts = new NamespaceCounts();
    counts.setTargeted(3);
    counts.setSynced(2);
    counts.setFailed(1);
    status.setNamespaces(counts);
    metrics.synced(rc, status);
    metrics.pullFailures(rc, io.pullsecrets.operator.health.PullFailure.Kind.AUTH, 1);

    Metrics josdk = metrics.josdkMetrics();
    // The controller registers with JOSDK as in Main (the constructor connects to nothing), which
    // creates JOSDK's per-controller gauges.
    try (KubernetesClient client = new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").withRequestRetryBackoffLimit(0).build()).build();
        PullSecretOperator operator = new PullSecretOperator(client,
            new OperatorConfig("platform", Set.of("platform"), Set.of(), 0, false, "info", "text"),
            PullSecretOperator.Options.defaults(client).withJosdk(o -> o.withMetrics(josdk)))) {
      assert operator != null;
    }
    Map<String, Object> meta = Map.of(
        Constants.RESOURCE_GVK_KEY, GroupVersionKind.gvkFor(RegistryCredential.class),
        Constants.CONTROLLER_NAME, "registrycredentialreconciler");
    ResourceID id = ResourceID.fromResource(rc);
    RetryInfo retry = new RetryInfo() {
      @Override
      public int getAttemptCount() {
        return 1;
      }

      @Override
      public boolean isLastAttempt() {
        return false;
      }
    };
    josdk.receivedEvent(new ResourceEvent(ResourceAction.UPDATED, id, rc), meta);
    josdk.reconcileCustomResource(rc, null, meta);
    josdk.reconciliationExecutionStarted(rc, meta);
    josdk.finishedReconciliation(rc, meta);
    josdk.reconciliationExecutionFinished(rc, meta);
    josdk.reconcileCustomResource(rc, retry, meta);
    josdk.failedReconciliation(rc, new IllegalStateException("boom"), meta);
    josdk.cleanupDoneFor(id, meta);
    try {
      josdk.timeControllerExecution(execution("reconcile", id, meta, false));
      josdk.timeControllerExecution(execution("reconcile", id, meta, true));
      josdk.timeControllerExecution(execution("cleanup", id, meta, false));
    } catch (Exception expected) {
      // the failing execution rethrows; it is recorded first
    }
    try {
      josdk.timeControllerExecution(execution("cleanup", id, meta, true));
    } catch (Exception expected) {
      // recorded as a failure
    }
    return metrics.scrape();
  }

  /** Every sample name in {@link #scrape()} (with _total, _bucket, _count, _sum as exposed). */
  static Set<String> names() {
    Set<String> names = new TreeSet<>();
    Prometheus.parse(scrape()).forEach(s -> names.add(s.name()));
    return names;
  }

  private static Metrics.ControllerExecution<String> execution(String name, ResourceID id, Map<String, Object> meta, boolean fail) {
    return new Metrics.ControllerExecution<>() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String controllerName() {
        return "registrycredentialreconciler";
      }

      @Override
      public String successTypeName(String result) {
        return "resource";
      }

      @Override
      public ResourceID resourceID() {
        return id;
      }

      @Override
      public Map<String, Object> metadata() {
        return meta;
      }

      @Override
      public String execute() {
        if (fail) {
          throw new IllegalStateException("boom");
        }
        return "done";
      }
    };
  }
}
