package io.pullsecrets.operator.reconciler;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.ApiRequest;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10 #3, work proportional to the change, on the real control plane: an event in one
 * namespace reaches only the credentials that target it and leads to requests into that namespace
 * only; edits that cannot matter and the operator's own status writes reconcile nothing.
 *
 * <p>Mutations that made these fail: the ServiceAccount mapper returning every credential (as
 * before); the ServiceAccount update filter removed; label edits always counted as relevant; the RegistryCredential status-only filter
 * removed. (That an incremental pass costs less than a full one is measured by the benchmark, not
 * here: both write nothing into namespaces that are up to date.)
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class BoundedWorkTest {
  static final Duration QUIET = Duration.ofSeconds(2);
  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;

  @BeforeEach
  void start() {
    h = closer.add(new OperatorHarness()).start();
    for (String ns : List.of("team-a", "team-b", "team-c")) {
      Fixtures.namespace(h.client, ns, Map.of());
      Fixtures.serviceAccount(h.client, ns, "builder", Map.of());
    }
    h.apply(Fixtures.teamCredential(h.client, "registry.example.com", List.of("team-a", "team-b")));
    RegistryCredential other = Fixtures.staticCredential(PLATFORM_NS, "other", "other.example.com", "robot");
    other.getSpec().setSecretName("othercred");
    io.pullsecrets.operator.api.TargetsSpec t = new io.pullsecrets.operator.api.TargetsSpec();
    t.setNamespaces(List.of("team-c"));
    other.getSpec().setTargets(t);
    h.apply(other);
    h.awaitReady(PLATFORM_NS, "example");
    h.awaitReady(PLATFORM_NS, "other");
    h.awaitUntil(() -> h.pullSecretNames("team-a", "default").contains("regcred")
        && h.pullSecretNames("team-c", "default").contains("othercred"));
  }


  /** Waits until neither credential has reconciled for {@link #QUIET}; returns their counts then. */
  int[] quiet() {
    int[] last = counts();
    long since = System.nanoTime();
    while (System.nanoTime() - since < QUIET.toNanos()) {
      int[] now = counts();
      if (now[0] != last[0] || now[1] != last[1]) {
        last = now;
        since = System.nanoTime();
      }
      Thread.onSpinWait();
    }
    return last;
  }

  int[] counts() {
    return new int[] {h.reconciles(PLATFORM_NS, "example"), h.reconciles(PLATFORM_NS, "other")};
  }

  @Test
  void theOperatorsOwnStatusWritesAndUnrelatedServiceAccountEditsReconcileNothing() {
    int[] before = quiet();
    h.client.serviceAccounts().inNamespace("team-a").withName("builder")
        .edit(sa -> { sa.getMetadata().setAnnotations(Map.of("example.com/owner", "team-a")); return sa; });
    h.client.serviceAccounts().inNamespace("team-c").withName("builder")
        .edit(sa -> { sa.getMetadata().setAnnotations(Map.of("example.com/owner", "team-c")); return sa; });
    // A label, while no RegistryCredential selects ServiceAccounts by label.
    h.client.serviceAccounts().inNamespace("team-b").withName("builder")
        .edit(sa -> { sa.getMetadata().setLabels(Map.of("example.com/tier", "gold")); return sa; });
    // A status-only update (another client's, like the operator's own writes) is not an event either.
    h.client.resources(RegistryCredential.class).inNamespace(PLATFORM_NS).withName("other")
        .editStatus(rc -> { rc.getStatus().setObservedGeneration(99L); return rc; });
    await().during(QUIET).atMost(QUIET.plusSeconds(3)).until(() -> java.util.Arrays.equals(counts(), before));
  }

  @Test
  void aServiceAccountEditReachesOnlyTheCredentialTargetingItsNamespaceAndOnlyThatNamespace() {
    int[] before = quiet();
    int requestsBefore = h.api.operatorRequests().size();
    // Someone drops the operator's entry: only "example" targets team-a, and only team-a needs work.
    h.client.serviceAccounts().inNamespace("team-a").withName("default")
        .edit(sa -> { sa.setImagePullSecrets(new java.util.ArrayList<LocalObjectReference>()); return sa; });
    h.awaitUntil(() -> h.pullSecretNames("team-a", "default").contains("regcred"));
    int[] after = quiet();

    assertThat(after[1]).as("reconciles of the credential that does not target team-a").isEqualTo(before[1]);
    assertThat(after[0] - before[0]).as("reconciles of the credential that targets team-a").isBetween(1, 3);
    List<ApiRequest> all = h.api.operatorRequests();
    List<ApiRequest> requests = all.subList(requestsBefore, all.size()).stream()
        .filter(r -> r.path().contains("/secrets") || r.path().contains("/serviceaccounts")).toList();
    assertThat(requests).as("the operator's Secret and ServiceAccount requests after the edit")
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.path()).contains("/namespaces/team-a/"));
  }
}
