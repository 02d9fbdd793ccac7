package io.pullsecrets.operator.health;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.chart.Helm;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Healing on the real control plane (its ReplicaSet controller, no node): pods whose status and
 * kubelet Events are written as the kubelet writes them. Only the pod that all the rules allow is
 * deleted; forged Events about a bare pod, a running pod or a pod of an opted-out namespace
 * delete nothing.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class PodHealingOnRealServerTest {
  static final String TEAM = "team-heal";
  static final String OPTED_OUT = "team-heal-out";
  /** The registry of the credential, which serves the pods' image. */
  static final String REGISTRY = "registry.example.com";
  static final String IMAGE = REGISTRY + "/team/app:1";
  @RegisterExtension final Closer closer = new Closer();
  final OperatorHarness h = closer.add(new OperatorHarness());

  @BeforeEach
  void setUp() {
    Fixtures.namespace(h.client, TEAM, Map.of());
    Fixtures.namespace(h.client, OPTED_OUT, Map.of(PodHealing.INJECT_LABEL, "false"));
    for (HasMetadata o : Helm.template("--set", "rbac.healPods=true")) {
      if (o.getKind().equals("ClusterRole") || o.getKind().equals("ClusterRoleBinding")) {
        h.client.resource(o).forceConflicts().serverSideApply();
      }
    }
  }

  /** A one-replica ReplicaSet; returns its pod, created by the ReplicaSet controller. */
  Pod replicaSetPod(String ns, String name) {
    h.client.apps().replicaSets().inNamespace(ns).resource(new ReplicaSetBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage(IMAGE).endContainer().endSpec().endTemplate()
        .endSpec().build()).create();
    await().atMost(Duration.ofSeconds(15)).until(() -> pods(ns, name).size() == 1);
    return pods(ns, name).get(0);
  }

  List<Pod> pods(String ns, String app) {
    return h.client.pods().inNamespace(ns).withLabel("app", app).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  /** What the kubelet reports of a pod: its container's state, and the Event of the failed pull. */
  void kubelet(Pod pod, String waitingReason) {
    String ns = pod.getMetadata().getNamespace();
    h.client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).editStatus(p -> new PodBuilder(p).editOrNewStatus()
        .withPhase(waitingReason == null ? "Running" : "Pending")
        .withContainerStatuses(new ContainerStatusBuilder().withName("app").withImage(IMAGE).withImageID("").withReady(false)
            .withRestartCount(0).withNewState().withNewWaiting().withReason(waitingReason == null ? "CrashLoopBackOff" : waitingReason)
            .endWaiting().endState().build())
        .endStatus().build());
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    h.client.v1().events().inNamespace(ns).resource(new EventBuilder()
        .withNewMetadata().withName(pod.getMetadata().getName() + "." + System.nanoTime()).endMetadata()
        .withNewInvolvedObject().withKind("Pod").withApiVersion("v1").withNamespace(ns)
        .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid())
        .withFieldPath("spec.containers{app}").endInvolvedObject()
        .withReason("Failed").withType("Warning").withCount(1).withFirstTimestamp(now).withLastTimestamp(now)
        .withMessage("Failed to pull image \"" + IMAGE + "\": failed to pull and unpack image \"" + IMAGE
            + "\": failed to resolve reference \"" + IMAGE + "\": unexpected status from HEAD request: 401 Unauthorized")
        .withNewSource().withComponent("kubelet").withHost("node-1").endSource()
        .build()).create();
  }

  static boolean listsRegcred(Pod p) {
    return p.getSpec().getImagePullSecrets() != null
        && p.getSpec().getImagePullSecrets().stream().map(LocalObjectReference::getName).anyMatch("regcred"::equals);
  }

  @Test
  void onlyAControllerOwnedPodWaitingOnItsPullWithoutTheSecretIsDeletedAndItsReplacementHasIt() {
    h.start(OperatorHarness.config(Set.of()), o -> o);
    // Admitted before the credential exists: none of these pods lists the Secret.
    Pod early = replicaSetPod(TEAM, "early");
    Pod running = replicaSetPod(TEAM, "running");
    Pod outPod = replicaSetPod(OPTED_OUT, "out");
    Pod bare = h.client.pods().inNamespace(TEAM).resource(new PodBuilder().withNewMetadata().withName("bare")
        .addToLabels("app", "bare").endMetadata().withNewSpec().addNewContainer().withName("app").withImage(IMAGE).endContainer()
        .endSpec().build()).create();

    RegistryCredential rc = Fixtures.teamCredential(h.client, REGISTRY, List.of(TEAM, OPTED_OUT));
    rc.getSpec().setHealPods(true);
    h.apply(rc);
    h.awaitReady(PLATFORM_NS, "example");
    h.awaitUntil(() -> h.pullSecretNames(TEAM, "default").contains("regcred")
        && h.pullSecretNames(OPTED_OUT, "default").contains("regcred"));

    kubelet(bare, "ImagePullBackOff");
    kubelet(running, null);
    kubelet(outPod, "ErrImagePull");
    kubelet(early, "ImagePullBackOff");

    await("the early pod is replaced by one with the Secret").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> pods(TEAM, "early").stream().anyMatch(p -> !p.getMetadata().getUid().equals(early.getMetadata().getUid())
            && listsRegcred(p)));
    h.awaitUntil(() -> h.client.v1().events().inNamespace(PLATFORM_NS).withField("reason", Reasons.POD_HEALED).list().getItems()
        .stream().anyMatch(e -> e.getMessage().contains(TEAM + "/" + early.getMetadata().getName())));
    assertThat(h.client.v1().events().inNamespace(TEAM).withField("reason", Reasons.POD_HEALED).list().getItems())
        .singleElement().satisfies(e -> assertThat(e.getInvolvedObject().getUid()).isEqualTo(early.getMetadata().getUid()));
    // The other three were assessed in the same reconciles, and are untouched.
    RegistryCredential now = h.awaitCondition(PLATFORM_NS, "example", PullHealth.CONDITION, "False", Reasons.PULLS_FAILING);
    assertThat(now.getStatus().getPullFailures().getAuth()).isEqualTo(4);
    for (Pod p : List.of(bare, running, outPod)) {
      Pod still = h.client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).get();
      assertThat(still).as(p.getMetadata().getName()).isNotNull();
      assertThat(still.getMetadata().getUid()).isEqualTo(p.getMetadata().getUid());
      assertThat(still.getMetadata().getDeletionTimestamp()).isNull();
    }
    assertThat(h.client.v1().events().inNamespace(OPTED_OUT).withField("reason", Reasons.POD_HEALED).list().getItems()).isEmpty();
  }

  /**
   * With the operator's default on (PULLSECRET_HEAL_PODS_DEFAULT), a credential that leaves
   * spec.healPods unset heals; one with spec.healPods: false only reports.
   */
  @Test
  void theOperatorsDefaultHealsForCredentialsThatLeaveHealPodsUnsetAndFalseStillTurnsItOff() {
    h.start(OperatorHarness.config(Set.of()).withHealPodsDefault(true), o -> o);
    String keep = "team-heal-keep";
    Fixtures.namespace(h.client, keep, Map.of());
    Pod early = replicaSetPod(TEAM, "early");
    Pod kept = replicaSetPod(keep, "kept");

    RegistryCredential unset = Fixtures.teamCredential(h.client, "registry.example.com", List.of(TEAM));
    assertThat(unset.getSpec().getHealPods()).isNull();
    h.apply(unset);
    RegistryCredential off = CredentialBuilder.staticLogin(PLATFORM_NS, "keeper", "registry.example.com", "robot")
        .secretName("keep-pull").targets(List.of(keep)).build();
    off.getSpec().setHealPods(false);
    h.apply(off);
    h.awaitReady(PLATFORM_NS, "example");
    h.awaitReady(PLATFORM_NS, "keeper");
    h.awaitUntil(() -> h.pullSecretNames(TEAM, "default").contains("regcred") && h.pullSecretNames(keep, "default").contains("keep-pull"));

    kubelet(kept, "ImagePullBackOff");
    kubelet(early, "ImagePullBackOff");
    await("the early pod is replaced by one with the Secret").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> pods(TEAM, "early").stream().anyMatch(p -> !p.getMetadata().getUid().equals(early.getMetadata().getUid())
            && listsRegcred(p)));
    // The reconcile that reports the pod is the one that would have deleted it.
    h.awaitUntil(() -> OperatorHarness.condition(h.get(PLATFORM_NS, "keeper"), PullHealth.CONDITION)
        .filter(c -> "False".equals(c.getStatus()) && c.getMessage().contains(keep + "/" + kept.getMetadata().getName())).isPresent());
    assertThat(pods(keep, "kept")).singleElement().satisfies(p -> assertThat(p.getMetadata().getUid()).isEqualTo(kept.getMetadata().getUid()));
    assertThat(h.client.v1().events().inNamespace(keep).withField("reason", Reasons.POD_HEALED).list().getItems()).isEmpty();
  }
}
