package io.pullsecrets.operator.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The healing decision, one row per rule: each row changes one fact of a pod that is healed. */
class PodHealingTest {
  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  static final String SECRET = "regcred";

  static PullFailure failure(PullFailure.Kind kind) {
    return new PullFailure("team-a", "app-1", "uid-1", "registry.example.com/app:1", "401 Unauthorized", kind,
        NOW.minusSeconds(30), NOW, 3);
  }

  /** A pod of a ReplicaSet, admitted without the Secret, its container waiting in ImagePullBackOff. */
  static PodBuilder pod() {
    return new PodBuilder()
        .withNewMetadata().withNamespace("team-a").withName("app-1").withUid("uid-1").withResourceVersion("7")
        .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet").withName("app-5d8").withUid("rs")
        .withController(true).endOwnerReference()
        .endMetadata()
        .withNewSpec().withServiceAccountName("default").addNewContainer().withName("app").withImage("registry.example.com/app:1")
        .endContainer().endSpec()
        .withNewStatus().addNewContainerStatus().withName("app").withNewState().withNewWaiting().withReason("ImagePullBackOff")
        .endWaiting().endState().endContainerStatus().endStatus();
  }

  static Namespace namespace(Map<String, String> labels) {
    return new NamespaceBuilder().withNewMetadata().withName("team-a").withLabels(labels).endMetadata().build();
  }

  static ServiceAccount serviceAccount(String... secrets) {
    ServiceAccountBuilder b = new ServiceAccountBuilder().withNewMetadata().withNamespace("team-a").withName("default").endMetadata();
    for (String s : secrets) {
      b.addNewImagePullSecret(s);
    }
    return b.build();
  }

  record Row(String name, PullFailure.Kind kind, UnaryOperator<PodBuilder> pod, boolean podGone, Namespace ns,
      ServiceAccount sa, boolean healedBefore, boolean delete, String because) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Row row(String name, boolean delete, String because) {
    return new Row(name, PullFailure.Kind.AUTH, p -> p, false, namespace(Map.of()), serviceAccount(SECRET), false, delete, because);
  }

  static Stream<Arguments> rows() {
    Row heal = row("a ReplicaSet's pod without the Secret its ServiceAccount carries", true, "ReplicaSet app-5d8 creates it again");
    return Stream.of(
        heal,
        new Row("a StatefulSet's pod", PullFailure.Kind.AUTH, p -> p.editMetadata().editFirstOwnerReference().withKind("StatefulSet")
            .endOwnerReference().endMetadata(), false, heal.ns(), heal.sa(), false, true, "StatefulSet"),
        new Row("a Job's pod in ErrImagePull", PullFailure.Kind.AUTH, p -> p.editMetadata().editFirstOwnerReference().withKind("Job")
            .endOwnerReference().endMetadata().editStatus().editFirstContainerStatus().editState().editWaiting()
            .withReason("ErrImagePull").endWaiting().endState().endContainerStatus().endStatus(), false, heal.ns(), heal.sa(), false,
            true, "Job"),
        new Row("a DaemonSet's pod, its init container failing", PullFailure.Kind.AUTH, p -> p.editMetadata().editFirstOwnerReference()
            .withKind("DaemonSet").endOwnerReference().endMetadata().editStatus().withContainerStatuses()
            .addNewInitContainerStatus().withName("init").withNewState().withNewWaiting().withReason("ImagePullBackOff").endWaiting()
            .endState().endInitContainerStatus().endStatus(), false, heal.ns(), heal.sa(), false, true, "DaemonSet"),
        new Row("a failure not about authentication", PullFailure.Kind.NOTFOUND, p -> p, false, heal.ns(), heal.sa(), false, false,
            "another reason than authentication"),
        new Row("a pod already gone", PullFailure.Kind.AUTH, p -> p, true, heal.ns(), heal.sa(), false, false, "gone"),
        new Row("another pod under the same name", PullFailure.Kind.AUTH, p -> p.editMetadata().withUid("uid-2").endMetadata(), false,
            heal.ns(), heal.sa(), false, false, "gone"),
        new Row("a pod being deleted", PullFailure.Kind.AUTH, p -> p.editMetadata().withDeletionTimestamp(NOW.toString()).endMetadata(),
            false, heal.ns(), heal.sa(), false, false, "being deleted"),
        new Row("a pod uid deleted once already", PullFailure.Kind.AUTH, p -> p, false, heal.ns(), heal.sa(), true, false,
            "once already"),
        new Row("a namespace opted out", PullFailure.Kind.AUTH, p -> p, false, namespace(Map.of("pullsecrets.io/inject", "false")),
            heal.sa(), false, false, "opted out"),
        new Row("a namespace unknown", PullFailure.Kind.AUTH, p -> p, false, null, heal.sa(), false, false, "opted out"),
        new Row("a bare pod", PullFailure.Kind.AUTH, p -> p.editMetadata().withOwnerReferences().endMetadata(), false, heal.ns(),
            heal.sa(), false, false, "no controller"),
        new Row("an owner that is not the controller", PullFailure.Kind.AUTH, p -> p.editMetadata().editFirstOwnerReference()
            .withController(false).endOwnerReference().endMetadata(), false, heal.ns(), heal.sa(), false, false, "no controller"),
        new Row("a pod of another controller", PullFailure.Kind.AUTH, p -> p.editMetadata().editFirstOwnerReference()
            .withKind("Workflow").endOwnerReference().endMetadata(), false, heal.ns(), heal.sa(), false, false, "is a Workflow"),
        new Row("a pod no longer waiting on a pull", PullFailure.Kind.AUTH, p -> p.editStatus().editFirstContainerStatus().editState()
            .editWaiting().withReason("CrashLoopBackOff").endWaiting().endState().endContainerStatus().endStatus(), false, heal.ns(),
            heal.sa(), false, false, "no container"),
        new Row("a pod that lists the Secret", PullFailure.Kind.AUTH, p -> p.editSpec().addNewImagePullSecret(SECRET).endSpec(), false,
            heal.ns(), heal.sa(), false, false, "already lists"),
        new Row("a ServiceAccount without the Secret", PullFailure.Kind.AUTH, p -> p, false, heal.ns(), serviceAccount("other"),
            false, false, "does not carry"),
        new Row("a ServiceAccount unknown", PullFailure.Kind.AUTH, p -> p, false, heal.ns(), null, false, false, "does not carry"))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(Row r) {
    Pod pod = r.podGone() ? null : r.pod().apply(pod()).build();
    PodHealing.Decision d = PodHealing.decide(new PodHealing.Candidate(failure(r.kind()), pod, r.ns(), r.sa(), SECRET, r.healedBefore()));
    assertThat(d.delete()).as(d.reason()).isEqualTo(r.delete());
    assertThat(d.reason()).contains(r.because());
  }

  @Test
  void theBudgetLimitsPerNamespaceAndOverallOverASlidingPeriod() {
    HealBudget budget = new HealBudget(2, 3, Duration.ofMinutes(1));
    assertThat(budget.take("a", NOW)).isTrue();
    assertThat(budget.take("a", NOW)).isTrue();
    assertThat(budget.take("a", NOW)).as("third in a namespace").isFalse();
    assertThat(budget.take("b", NOW)).isTrue();
    assertThat(budget.take("c", NOW)).as("fourth overall").isFalse();
    assertThat(budget.take("a", NOW.plusSeconds(59))).as("still within the period").isFalse();
    assertThat(budget.take("a", NOW.plusSeconds(60))).as("the period passed").isTrue();
    assertThat(budget.take("c", NOW.plusSeconds(60))).isTrue();
  }
}
