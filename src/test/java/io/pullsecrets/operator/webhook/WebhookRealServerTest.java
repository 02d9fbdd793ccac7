package io.pullsecrets.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.Main;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.metrics.Prometheus;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OnRealControlPlane;
import io.pullsecrets.operator.testing.MainOnRealServer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admission webhook called by the real API server over TLS (clientConfig.url on 127.0.0.1,
 * the caBundle kept by the operator), with the kube-controller-manager creating the pods of
 * Deployments. The operator acts as the chart's ServiceAccount, with the chart's RBAC.
 */
@OnRealControlPlane
class WebhookRealServerTest {
  static final String OPS = MainOnRealServer.OPERATOR_NS;
  static final String SECRET = "robot-pull";
  static final Duration WAIT = Duration.ofSeconds(30);
  static final int REPLICAS = 10;

  @RegisterExtension final Closer closer = new Closer();
  final MainOnRealServer server = closer.add(new MainOnRealServer());
  Main.Running running;

  @BeforeEach
  void setUp() {
    Fixtures.loginSecret(server.client, OPS, "robot", "robot$ci", "s3cret-password");
  }

  Main.Running replica(KubernetesClient c, String identity, boolean leaderElection) {
    OperatorConfig config = new OperatorConfig(OPS, Set.of(OPS), Set.of(), 0, leaderElection, "info", "text")
        .withWebhook(OperatorConfig.Webhook.on(0));
    return Main.create(c, config, PullSecretOperator.Options.defaults(c),
        new Main.Launch(identity, Main.LeaseTimings.DEFAULT, () -> {}).withWebhookCertificateRefresh(Duration.ofSeconds(1)));
  }

  /** Starts the operator with the webhook, registers it, waits until the API server can trust it. */
  void startOperator() {
    running = closer.add(replica(server.operatorClient, "webhook-test", false));
    server.registerWebhook(running.webhook().orElseThrow().port());
    running.start();
    await().atMost(WAIT).until(() -> Prometheus.get(running.httpPort(), "/readyz").status() == 200);
    await("the operator sets the caBundle").atMost(WAIT).until(() -> server.caBundle().contains("BEGIN CERTIFICATE"));
    createCredential();
    await().atMost(WAIT).until(() -> !running.operator().assembly().cluster().credentials().isEmpty());
  }

  void createCredential() {
    // A credential for every namespace labelled pull=yes, default service accounts.
    RegistryCredential rc = CredentialBuilder.staticLogin(OPS, "robot", "registry.example.com", "robot")
        .secretName(SECRET).selecting(Map.of("pull", "yes")).build();
    server.client.resource(rc).create();
  }

  /** A labelled namespace and, in the same step, a Deployment; returns how many of its pods miss the Secret. */
  int namespaceWithDeployment(String ns, Map<String, String> labels) {
    server.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).withLabels(labels).endMetadata().build()).create();
    return deployment(ns);
  }

  /** An existing namespace (its default ServiceAccount there) labelled and, in the same step, a Deployment. */
  int labelledWithDeployment(String ns, Map<String, String> labels) {
    Fixtures.namespace(server.client, ns, Map.of());
    server.client.namespaces().withName(ns).edit(n -> {
      n.getMetadata().getLabels().putAll(labels);
      return n;
    });
    return deployment(ns);
  }

  int deployment(String ns) {
    server.client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
        .withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withReplicas(REPLICAS).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
        .withNewSpec().addNewContainer().withName("web").withImage("registry.example.com/team/web:1").endContainer().endSpec()
        .endTemplate().endSpec().build()).create();
    await("the ReplicaSet controller creates " + REPLICAS + " pods in " + ns).atMost(Duration.ofSeconds(60))
        .until(() -> server.client.pods().inNamespace(ns).withLabel("app", "web").list().getItems().size() >= REPLICAS);
    List<Pod> pods = server.client.pods().inNamespace(ns).withLabel("app", "web").list().getItems();
    return (int) pods.stream().filter(p -> !names(p).contains(SECRET)).count();
  }

  static List<String> names(Pod p) {
    return p.getSpec().getImagePullSecrets() == null ? List.of()
        : p.getSpec().getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
  }

  Pod pod(String ns, String name, String serviceAccount, Map<String, String> labels, String... pullSecrets) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("registry.example.com/team/c:1").endContainer().endSpec();
    if (serviceAccount != null) {
      b.editSpec().withServiceAccountName(serviceAccount).endSpec();
    }
    for (String s : pullSecrets) {
      b.editSpec().addNewImagePullSecret(s).endSpec();
    }
    return server.client.pods().inNamespace(ns).resource(b.build()).create();
  }

  @Test
  void everyPodOfANewNamespaceCarriesThePullSecretAndTheWebhookIsMeasured() {
    startOperator();
    int rounds = 3;
    int missedWith = 0;
    int missedWithout = 0;
    int labelMissedWith = 0;
    int labelMissedWithout = 0;
    // "Without the webhook": the namespace is targeted by the credential but opted out of the
    // webhook (its namespaceSelector), so the API server does not call it there.
    Map<String, String> off = Map.of("pull", "yes", PodInjection.INJECT_LABEL, "false");
    Map<String, String> on = Map.of("pull", "yes");
    for (int i = 0; i < rounds; i++) {
      missedWithout += namespaceWithDeployment("new-off-" + i, off);
      missedWith += namespaceWithDeployment("new-on-" + i, on);
      labelMissedWithout += labelledWithDeployment("labelled-off-" + i, off);
      labelMissedWith += labelledWithDeployment("labelled-on-" + i, on);
    }
    int total = rounds * REPLICAS;
    System.out.printf("pods missing the pull secret, new namespace + Deployment: without the webhook %d of %d, with it %d of %d%n",
        missedWithout, total, missedWith, total);
    System.out.printf("pods missing the pull secret, namespace labelled + Deployment: without the webhook %d of %d, with it %d of %d%n",
        labelMissedWithout, total, labelMissedWith, total);
    assertThat(missedWith).isZero();
    assertThat(labelMissedWith).isZero();

    // Every pod of the "on" namespaces went through the webhook. Whether it had to add the entry
    // (mutated) or the ServiceAccount already carried it (unchanged) depends on the race.
    String metrics = Prometheus.get(running.httpPort(), "/metrics").body();
    double mutated = Prometheus.value(metrics, "pullsecret_webhook_admission_requests_total", Map.of("result", "mutated")).orElse(0);
    double unchanged = Prometheus.value(metrics, "pullsecret_webhook_admission_requests_total", Map.of("result", "unchanged")).orElse(0);
    assertThat(mutated + unchanged).isGreaterThanOrEqualTo(2 * total);
    assertThat(Prometheus.value(metrics, "pullsecret_webhook_pods_mutated_total", Map.of()).orElse(0)).isEqualTo(mutated);
    assertThat(metrics).contains("pullsecret_webhook_admission_duration_seconds_bucket");
  }

  @Test
  void podsThatAreNotOursAreLeftUnchanged() {
    startOperator();
    Fixtures.namespace(server.client, "team-a", Map.of("pull", "yes"));
    Fixtures.namespace(server.client, "elsewhere", Map.of());
    Fixtures.serviceAccount(server.client, "team-a", "other", Map.of());
    // A pod with its own entry: the SA admission plugin copies nothing, so what it ends with is the webhook's doing.
    assertThat(names(pod("team-a", "control", null, Map.of(), "theirs"))).containsExactly("theirs", SECRET);
    assertThat(names(pod("team-a", "listed", null, Map.of(), "theirs", SECRET))).containsExactly("theirs", SECRET);
    assertThat(names(pod("elsewhere", "untargeted", null, Map.of(), "theirs"))).containsExactly("theirs");
    assertThat(names(pod("team-a", "unselected-sa", "other", Map.of(), "theirs"))).containsExactly("theirs");
    assertThat(names(pod("team-a", "opted-out", null, Map.of(PodInjection.INJECT_LABEL, "false"), "theirs"))).containsExactly("theirs");
    // A pod with none, whose ServiceAccount is selected, gets exactly one entry (SA plugin and webhook together).
    assertThat(names(pod("team-a", "bare", null, Map.of()))).containsExactly(SECRET);

    // What the webhook adds to a pod creation, end to end (API server to webhook and back).
    long[] withHook = new long[20];
    long[] without = new long[20];
    for (int i = 0; i < 20; i++) {
      long t0 = System.nanoTime();
      pod("team-a", "timed-" + i, null, Map.of(), "theirs");
      withHook[i] = System.nanoTime() - t0;
      t0 = System.nanoTime();
      pod("team-a", "timed-out-" + i, null, Map.of(PodInjection.INJECT_LABEL, "false"), "theirs");
      without[i] = System.nanoTime() - t0;
    }
    java.util.Arrays.sort(withHook);
    java.util.Arrays.sort(without);
    System.out.printf("pod create, median of 20: %.1f ms through the webhook, %.1f ms opted out%n", withHook[10] / 1e6, without[10] / 1e6);
  }

  /**
   * A static pod's mirror pod, as the kubelet creates it: the annotation {@code
   * kubernetes.io/config.mirror}, {@code spec.nodeName}, no ServiceAccount. The API server's
   * ServiceAccount admission plugin refuses a mirror pod that references any Secret ("a mirror pod
   * may not reference secrets"), so a webhook that appended ours would turn it into a 403 in every
   * targeted namespace (seen: HTTP 403 "a mirror pod may not reference secrets" before the
   * webhook left mirror pods alone).
   *
   * <p>What the real API server (v1.35, {@code --authorization-mode=Node,RBAC}, default admission
   * plugins) showed: cluster-admin (system:masters) may create a mirror pod; no node identity is
   * needed. The Node authorizer only adds rights for {@code system:node:*} users, and
   * NodeRestriction, which would tie a kubelet's mirror pods to its own Node, is not among the
   * default plugins (the API server's log lists the 13 mutating and 14 validating ones; it would
   * not restrict cluster-admin anyway). The pod's Node need not exist; no kubelet runs here.
   */
  @Test
  void mirrorPodsAreAdmittedUnchanged() {
    startOperator();
    Fixtures.namespace(server.client, "team-a", Map.of("pull", "yes"));
    // The webhook is called for this namespace and mutates an ordinary pod (its own entry: the
    // ServiceAccount plugin copies nothing, so ours is the webhook's doing).
    assertThat(names(pod("team-a", "ordinary", null, Map.of(), "theirs"))).containsExactly("theirs", SECRET);
    String before = Prometheus.get(running.httpPort(), "/metrics").body();
    double unchangedBefore = Prometheus.value(before, "pullsecret_webhook_admission_requests_total", Map.of("result", "unchanged")).orElse(0);

    Pod mirror = server.client.pods().inNamespace("team-a").resource(new PodBuilder()
        .withNewMetadata().withName("static-web-node-1").withNamespace("team-a")
        .addToAnnotations(PodInjection.MIRROR_POD_ANNOTATION, "6e1b4a0fd2a6d4c6c3b2d5e3a1f0c9b8")
        .addToAnnotations("kubernetes.io/config.source", "file")
        .endMetadata()
        .withNewSpec().withNodeName("node-1")
        .addNewContainer().withName("web").withImage("registry.example.com/team/web:1").endContainer().endSpec()
        .build()).create();
    assertThat(names(mirror)).isEmpty();
    assertThat(mirror.getSpec().getServiceAccountName()).isNull();
    assertThat(mirror.getMetadata().getAnnotations()).containsKey(PodInjection.MIRROR_POD_ANNOTATION);

    // It went through the webhook, which left it unchanged.
    String after = Prometheus.get(running.httpPort(), "/metrics").body();
    assertThat(Prometheus.value(after, "pullsecret_webhook_admission_requests_total", Map.of("result", "unchanged")).orElse(0))
        .isEqualTo(unchangedBefore + 1);
    assertThat(Prometheus.value(after, "pullsecret_webhook_pods_mutated_total", Map.of())).hasValue(1);
  }

  @Test
  void aStandbyReplicaServesTheWebhookFromItsCaches() {
    createCredential();
    Fixtures.namespace(server.client, "team-a", Map.of("pull", "yes"));
    running = closer.add(replica(server.operatorClient, "replica-1", true));
    running.start();
    await("replica-1 leads").atMost(WAIT).until(() -> Prometheus.value(Prometheus.get(running.httpPort(), "/metrics").body(),
        "pullsecret_leader", Map.of()).orElse(0) == 1);
    KubernetesClient standbyClient = server.api.newOperatorClient();
    try (Main.Running standby = replica(standbyClient, "replica-2", true)) {
      // The API server calls the standby only.
      server.registerWebhook(standby.webhook().orElseThrow().port());
      standby.start();
      await().atMost(WAIT).until(() -> Prometheus.get(standby.httpPort(), "/readyz").status() == 200);
      assertThat(Prometheus.value(Prometheus.get(standby.httpPort(), "/metrics").body(), "pullsecret_leader", Map.of())).hasValue(0);
      await("the caBundle").atMost(WAIT).until(() -> server.caBundle().contains("BEGIN CERTIFICATE"));
      // Both replicas serve the one certificate of the Secret.
      assertThat(standby.webhook().orElseThrow().certificate().certPem()).isEqualTo(running.webhook().orElseThrow().certificate().certPem());
      assertThat(names(pod("team-a", "via-standby", null, Map.of(), "theirs"))).containsExactly("theirs", SECRET);
      assertThat(Prometheus.value(Prometheus.get(standby.httpPort(), "/metrics").body(), "pullsecret_webhook_pods_mutated_total", Map.of()))
          .hasValue(1);
    }
  }

  @Test
  void operatorStoppedPodsAreStillAdmittedWithinTheTimeout() {
    startOperator();
    Fixtures.namespace(server.client, "team-a", Map.of("pull", "yes"));
    closer.closeNow(running);
    running = null;
    long start = System.nanoTime();
    Pod p = pod("team-a", "while-down", null, Map.of(), "theirs");
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("pod admitted with the operator stopped in %d ms (webhook timeout 3 s, failurePolicy Ignore)%n", ms);
    assertThat(names(p)).containsExactly("theirs");
    assertThat(ms).isLessThan(3_500);
  }

  @Test
  void certificateRotatesAndTheWebhookKeepsAnswering() throws Exception {
    startOperator();
    Fixtures.namespace(server.client, "team-a", Map.of("pull", "yes"));
    PodWebhook webhook = running.webhook().orElseThrow();
    Secret before = server.client.secrets().inNamespace(OPS).withName(OperatorConfig.Webhook.DISABLED.secretName()).get();
    assertThat(before.getType()).isEqualTo("kubernetes.io/tls");
    TlsMaterial first = webhook.certificate();
    assertThat(names(pod("team-a", "before-rotation", null, Map.of(), "theirs"))).containsExactly("theirs", SECRET);

    ((SelfManagedCertificates) webhook.certificates()).requestRotation();
    webhook.refreshCertificate();
    TlsMaterial second = webhook.certificate();
    assertThat(second.certPem()).isNotEqualTo(first.certPem());
    Secret after = server.client.secrets().inNamespace(OPS).withName(OperatorConfig.Webhook.DISABLED.secretName()).get();
    assertThat(after.getMetadata().getResourceVersion()).isNotEqualTo(before.getMetadata().getResourceVersion());
    // The bundle trusts the new CA and, until it expires, the old one.
    assertThat(TlsMaterial.certificates(server.caBundle())).containsExactly(
        TlsMaterial.certificates(second.caPem()).get(0), TlsMaterial.certificates(first.caPem()).get(0));
    assertThat(names(pod("team-a", "after-rotation", null, Map.of(), "theirs"))).containsExactly("theirs", SECRET);
    String metrics = Prometheus.get(running.httpPort(), "/metrics").body();
    assertThat(Prometheus.value(metrics, "pullsecret_webhook_admission_requests_total", Map.of("result", "mutated")).orElse(0))
        .isGreaterThanOrEqualTo(2);

    // Replicas agree on one certificate: two of them finding no Secret at once end with the same one.
    server.client.secrets().inNamespace(OPS).withName(OperatorConfig.Webhook.DISABLED.secretName()).delete();
    await().atMost(WAIT).until(() -> server.client.secrets().inNamespace(OPS).withName(OperatorConfig.Webhook.DISABLED.secretName()).get() == null);
    List<CompletableFuture<TlsMaterial>> replicas = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      KubernetesClient c = server.api.newOperatorClient();
      SelfManagedCertificates certs = new SelfManagedCertificates(c, OPS, OperatorConfig.Webhook.DISABLED.secretName(),
          MainOnRealServer.WEBHOOK_CONFIGURATION, OperatorConfig.Webhook.DISABLED.serviceName(), Clock.systemUTC(), SelfManagedCertificates.VALIDITY);
      replicas.add(CompletableFuture.supplyAsync(certs::refresh));
    }
    TlsMaterial a = replicas.get(0).get();
    TlsMaterial b = replicas.get(1).get();
    assertThat(a.certPem()).isEqualTo(b.certPem());
    // The running replica picks the winner up at its next refresh and keeps answering.
    await().atMost(WAIT).until(() -> a.certPem().equals(webhook.certificate().certPem()));
    await().atMost(WAIT).until(() -> server.caBundle().startsWith(a.caPem()));
    assertThat(names(pod("team-a", "after-replacement", null, Map.of(), "theirs"))).containsExactly("theirs", SECRET);
  }
}
