package io.pullsecrets.operator.faults;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pullsecrets.operator.api.LabelSelectorSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13 #6: "no error storm" watched long enough to see one. A retry storm with the operator's
 * backoff (1 s, 2 s, 4 s...) shows within a few seconds; each test watches the counts stay flat
 * for {@link #WATCH}.
 */
class NoStormOverTimeTest {
  static final String REGISTRY = "registry.example.com";
  static final Duration WATCH = Duration.ofSeconds(4);
  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;

  RegistryCredential selecting(String key, String value) {
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "storm-pw-0001");
    return CredentialBuilder.staticLogin(PLATFORM_NS, "example", REGISTRY, "robot").secretName("regcred")
        .selecting(Map.of(key, value)).build();
  }

  long requestsInto(String ns) {
    return h.api.operatorRequests().stream().filter(r -> r.path().contains("/namespaces/" + ns + "/")).count();
  }

  @Test
  void aTerminatingNamespaceThatRefusesWritesGetsNoRetriesForSeconds() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of("pull", "yes"));
    h.heldNamespace("leaving", Map.of("pull", "yes"));
    h.apply(selecting("pull", "yes"));
    h.awaitUntil(() -> h.secret("leaving", "regcred").isPresent());

    // A real API server refuses writes into a terminating namespace.
    h.terminate("leaving");
    RegistryCredential status = h.awaitResource(PLATFORM_NS, "example",
        r -> r.getStatus() != null && r.getStatus().getNamespaces() != null && r.getStatus().getNamespaces().getTargeted() == 1);
    long before = requestsInto("leaving");

    // Another event, then seconds of watching: no more than a couple of requests into it in all.
    Fixtures.namespace(h.client, "team-b", Map.of("pull", "yes"));
    h.awaitUntil(() -> h.secret("team-b", "regcred").isPresent());
    await().during(WATCH).atMost(WATCH.plusSeconds(2)).pollInterval(Duration.ofMillis(100))
        .until(() -> requestsInto("leaving") - before <= 2);
    assertThat(h.api.operatorRequests().stream().filter(r -> r.path().contains("/namespaces/leaving/") && r.isWrite()).count())
        .as("writes into the terminating namespace after it began terminating").isLessThanOrEqualTo(2);
    assertThat(condition(h.get(PLATFORM_NS, "example"), "Ready").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(status.getStatus().getNamespaces().getTargeted()).isEqualTo(1);
  }

  @Test
  void anUnparsableSelectorIsNotRetriedForSeconds() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of("pull", "yes"));
    RegistryCredential rc = selecting("pull", "yes");
    rc.getSpec().getTargets().setNamespaceSelector(new LabelSelectorSpec(null,
        List.of(new io.pullsecrets.operator.api.LabelSelectorRequirementSpec("pull", "In", List.of()))));
    h.apply(rc);
    h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "InvalidSpec");

    // Settled: then a namespace event reconciles it once more, and nothing follows for seconds.
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
        .until(this::statusWritesSettled);
    int reconciles = h.reconciles(PLATFORM_NS, "example");
    Fixtures.namespace(h.client, "team-z", Map.of());
    h.awaitUntil(() -> h.reconciles(PLATFORM_NS, "example") > reconciles);
    int afterEvent = h.reconciles(PLATFORM_NS, "example");
    long statusWrites = h.api.operatorRequests().stream().filter(r -> r.isWrite() && r.path().endsWith("/status")).count();
    await().during(WATCH).atMost(WATCH.plusSeconds(2)).pollInterval(Duration.ofMillis(100))
        .until(() -> h.reconciles(PLATFORM_NS, "example") == afterEvent
            && h.api.operatorRequests().stream().filter(r -> r.isWrite() && r.path().endsWith("/status")).count() == statusWrites);
    assertThat(h.secret("team-a", "regcred")).isEmpty();
  }

  private final long[] lastWrites = {-1};

  /** True once the count of status writes has not moved between two polls. */
  private boolean statusWritesSettled() {
    long now = h.api.operatorRequests().stream().filter(r -> r.isWrite() && r.path().endsWith("/status")).count();
    boolean flat = now == lastWrites[0];
    lastWrites[0] = now;
    return flat;
  }
}
