package io.pullsecrets.operator.realserver;

import static io.pullsecrets.operator.testing.OperatorHarness.OPERATOR_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.FailedNamespace;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OnRealControlPlane;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Watched namespaces at operator level on the real control plane (issue 13 #2): with
 * {@code PULLSECRET_WATCH_NAMESPACES=pullsecret-system,platform,team-watched}, RegistryCredentials,
 * Secrets and ServiceAccounts in other namespaces are ignored, and a credential that targets an
 * unwatched namespace lists it in {@code failedNamespaces} with reason {@code NotWatched}.
 */
@OnRealControlPlane
class WatchedNamespacesTest {
  static final String WATCHED = "team-watched";
  static final String OUTSIDE = "team-outside";
  @RegisterExtension final Closer closer = new Closer();
  final OperatorHarness h = closer.add(new OperatorHarness());

  @BeforeEach
  void start() {
    Fixtures.namespace(h.client, WATCHED, Map.of("pull", "yes"));
    Fixtures.namespace(h.client, OUTSIDE, Map.of("pull", "yes"));
    h.start(OperatorHarness.config(Set.of(OPERATOR_NS, PLATFORM_NS, WATCHED)), o -> o);
  }


  static RegistryCredential credential(String ns, String name, String source, List<String> targets) {
    return CredentialBuilder.staticLogin(ns, name, "registry.example.com", source).secretName("regcred").targets(targets)
        .allServiceAccounts().build();
  }

  @Test
  void anUnwatchedTargetIsReportedNotWatchedAndLeftAlone() {
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "watched-password-1");
    h.apply(credential(PLATFORM_NS, "both", "robot", List.of(WATCHED, OUTSIDE)));

    RegistryCredential rc = h.awaitResource(PLATFORM_NS, "both", r -> r.getStatus() != null
        && r.getStatus().getFailedNamespaces() != null && r.getStatus().getNamespaces() != null
        && r.getStatus().getNamespaces().getSynced() == 1);
    assertThat(rc.getStatus().getFailedNamespaces()).extracting(FailedNamespace::getNamespace, FailedNamespace::getReason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(OUTSIDE, "NotWatched"));
    assertThat(rc.getStatus().getNamespaces().getTargeted()).isEqualTo(2);
    assertThat(rc.getStatus().getNamespaces().getFailed()).isEqualTo(1);
    assertThat(h.secret(WATCHED, "regcred")).isPresent();
    // The controller manager may create `default` after the namespace: its entry follows when it does.
    h.awaitUntil(() -> h.pullSecretNames(WATCHED, "default").equals(List.of("regcred")));
    assertThat(h.secret(OUTSIDE, "regcred")).isEmpty();
    assertThat(h.pullSecretNames(OUTSIDE, "default")).isEmpty();

    // A ServiceAccount created later: patched in the watched namespace, ignored outside it.
    Fixtures.serviceAccount(h.client, WATCHED, "late", Map.of());
    Fixtures.serviceAccount(h.client, OUTSIDE, "late", Map.of());
    h.awaitUntil(() -> h.pullSecretNames(WATCHED, "late").contains("regcred"));
    assertThat(h.pullSecretNames(OUTSIDE, "late")).isEmpty();
    // No write of the operator ever reached the unwatched namespace.
    assertThat(h.api.operatorRequests()).noneMatch(r -> r.path().contains("/namespaces/" + OUTSIDE + "/"));
  }

  @Test
  void credentialsAndSecretsInAnUnwatchedNamespaceAreIgnored() throws Exception {
    Fixtures.loginSecret(h.client, OUTSIDE, "robot", "robot", "outside-password-1");
    h.apply(credential(OUTSIDE, "local", "robot", List.of(OUTSIDE)));
    // A watched credential as a marker that the operator is running and has had time to see both.
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "watched-password-2");
    h.apply(credential(PLATFORM_NS, "marker", "robot", List.of(WATCHED)));
    h.awaitReady(PLATFORM_NS, "marker");
    // A change of the unwatched source Secret does not wake anything either.
    Fixtures.loginSecret(h.client, OUTSIDE, "robot", "robot", "outside-password-2");
    Thread.sleep(Duration.ofSeconds(2).toMillis());

    RegistryCredential ignored = h.get(OUTSIDE, "local");
    assertThat(ignored.getStatus()).as("no status written").isNull();
    assertThat(ignored.getMetadata().getFinalizers()).as("no finalizer added").isNullOrEmpty();
    assertThat(h.reconciles(OUTSIDE, "local")).isZero();
    assertThat(h.secret(OUTSIDE, "regcred")).isEmpty();
    assertThat(h.pullSecretNames(OUTSIDE, "default")).isEmpty();
    assertThat(h.api.operatorRequests()).noneMatch(r -> r.path().contains("/namespaces/" + OUTSIDE + "/"));
  }
}
