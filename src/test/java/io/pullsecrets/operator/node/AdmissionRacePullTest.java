package io.pullsecrets.operator.node;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.pullsecrets.operator.Main;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.metrics.Prometheus;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.Node;
import io.pullsecrets.operator.testing.OnRealNode;
import io.pullsecrets.operator.testing.MainOnRealServer;
import io.pullsecrets.operator.webhook.PodInjection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admission race, measured by pulls: a namespace and a 10-replica Deployment of a private
 * image created in one step. The ServiceAccount admission plugin copies only what the
 * ServiceAccount lists when the pod is created; the operator's webhook adds the Secret to pods
 * admitted before the operator patched it. With the webhook every pod must run; the namespaces
 * opted out of the webhook show what happens without it.
 */
@OnRealNode
class AdmissionRacePullTest {
  static final String SECRET = "local-pull";
  static final int REPLICAS = 10;
  static final int ROUNDS = 3;

  @RegisterExtension final Closer closer = new Closer();
  final Node node = Node.get();
  final MainOnRealServer server = closer.add(new MainOnRealServer());
  Main.Running running;

  @BeforeEach
  void setUp() {
    closer.add(() -> Node.deletePods(server.client));
    closer.add(() -> server.client.apps().deployments().inAnyNamespace().delete());
    Fixtures.namespace(server.client, PLATFORM_NS, Map.of());
  }

  /** A namespace and, in the same step, a Deployment of {@code image}. */
  void namespaceWithDeployment(String ns, Map<String, String> labels, String image) {
    server.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).withLabels(labels).endMetadata().build()).create();
    server.client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
        .withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withReplicas(REPLICAS).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
        .withNewSpec().withTerminationGracePeriodSeconds(0L).withAutomountServiceAccountToken(false)
        .addNewContainer().withName("web").withImage(image).endContainer().endSpec()
        .endTemplate().endSpec().build()).create();
  }

  List<Pod> pods(String ns) {
    return server.client.pods().inNamespace(ns).withLabel("app", "web").list().getItems();
  }

  static boolean hasSecret(Pod p) {
    return p.getSpec().getImagePullSecrets() != null
        && p.getSpec().getImagePullSecrets().stream().map(LocalObjectReference::getName).anyMatch(SECRET::equals);
  }

  static boolean running(Pod p) {
    return "Running".equals(p.getStatus().getPhase());
  }

  static boolean pullFailed(Pod p) {
    return List.of("ErrImagePull", "ImagePullBackOff").contains(Node.waitingReason(p));
  }

  @Test
  void everyPodOfADeploymentAppliedWithItsNamespaceRuns() {
    String image = node.push("race/web:v1");
    node.accounts(Map.of("robot", "race-password"));
    Fixtures.loginSecret(server.client, PLATFORM_NS, "robot", "robot", "race-password");
    OperatorConfig config = new OperatorConfig(MainOnRealServer.OPERATOR_NS, Set.of(MainOnRealServer.OPERATOR_NS, PLATFORM_NS), Set.of(), 0,
        false, "info", "text").withWebhook(OperatorConfig.Webhook.on(0));
    running = closer.add(Main.create(server.operatorClient, config, PullSecretOperator.Options.defaults(server.operatorClient),
        new Main.Launch("race-test", Main.LeaseTimings.DEFAULT, () -> {}).withWebhookCertificateRefresh(Duration.ofSeconds(1))));
    server.registerWebhook(running.webhook().orElseThrow().port());
    running.start();
    await().atMost(Node.WAIT).until(() -> Prometheus.get(running.httpPort(), "/readyz").status() == 200);
    await("the operator sets the caBundle").atMost(Node.WAIT).until(() -> server.caBundle().contains("BEGIN CERTIFICATE"));
    RegistryCredential rc = CredentialBuilder.staticLogin(PLATFORM_NS, "local", node.registry, "robot")
        .secretName(SECRET).selecting(Map.of("pull", "yes")).build();
    server.client.resource(rc).create();
    await().atMost(Node.WAIT).until(() -> !running.operator().assembly().cluster().credentials().isEmpty());

    long t0 = System.nanoTime();
    Map<String, String> on = Map.of("pull", "yes");
    // Without the webhook: targeted by the credential, opted out of the webhook (its namespaceSelector).
    Map<String, String> off = Map.of("pull", "yes", PodInjection.INJECT_LABEL, "false");
    for (int i = 0; i < ROUNDS; i++) {
      namespaceWithDeployment("race-on-" + i, on, image);
      namespaceWithDeployment("race-off-" + i, off, image);
    }
    List<String> withHook = List.of("race-on-0", "race-on-1", "race-on-2");
    List<String> without = List.of("race-off-0", "race-off-1", "race-off-2");
    await("every pod of the namespaces with the webhook runs").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
        .until(() -> withHook.stream().allMatch(ns -> pods(ns).size() == REPLICAS && pods(ns).stream().allMatch(AdmissionRacePullTest::running)));
    double seconds = (System.nanoTime() - t0) / 1e9;
    // Without the webhook, each pod ends Running (admitted after the patch) or failing to pull (before it).
    await("every pod without the webhook runs or fails to pull").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .until(() -> without.stream().allMatch(ns -> pods(ns).size() == REPLICAS
            && pods(ns).stream().allMatch(p -> running(p) || pullFailed(p))));
    long missing = without.stream().flatMap(ns -> pods(ns).stream()).filter(p -> !hasSecret(p)).count();
    long failing = without.stream().flatMap(ns -> pods(ns).stream()).filter(AdmissionRacePullTest::pullFailed).count();
    int total = ROUNDS * REPLICAS;
    System.out.printf("[node] admission race, namespace + %d-replica Deployment x %d: with the webhook %d of %d pods Running"
        + " (%.1f s for all); without it %d of %d pods lacked the Secret and %d stayed in ErrImagePull/ImagePullBackOff%n",
        REPLICAS, ROUNDS, total, total, seconds, missing, total, failing);
    assertThat(withHook.stream().flatMap(ns -> pods(ns).stream())).allSatisfy(p -> assertThat(hasSecret(p)).isTrue());
    // A pod without the Secret cannot pull; one with it can.
    assertThat(failing).isEqualTo(missing);
  }
}
