package io.pullsecrets.operator.provider.ecr;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13 #1: the refresh timer fires. No annotation, no source change: only the operator's clock
 * passing {@code nextRefreshTime} makes it call ECR again, and the new token reaches every target.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class EcrTimedRefreshOperatorTest {
  final TestClock clock = new TestClock(Instant.now());
  @RegisterExtension final Closer closer = new Closer();
  EcrStub stub;
  OperatorHarness h;

  @BeforeEach
  void start() throws Exception {
    stub = closer.add(new EcrStub("timed-ecr-token", clock));
    h = closer.add(new OperatorHarness());
    h.start(OperatorHarness.config(java.util.Set.of()), o -> o.withProviders(new ProviderRegistry(List.of(stub.provider(h.operatorClient()))))
        .withClock(clock).withJitter(() -> 0));
    stub.keysSecret(h.client, PLATFORM_NS);
  }

  static RegistryCredential ecrCredential(List<String> namespaces) {
    return EcrStub.accessKeysCredential(PLATFORM_NS, "ecr", namespaces);
  }

  @Test
  void passingNextRefreshTimeFetchesANewTokenForEveryNamespace() {
    List<String> namespaces = List.of("team-a", "team-b", "team-c");
    namespaces.forEach(ns -> Fixtures.namespace(h.client, ns, Map.of()));
    Fixtures.namespace(h.client, "ticker", Map.of("tick", "0"));
    h.apply(ecrCredential(namespaces));

    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "ecr");
    assertThat(stub.calls.get()).isEqualTo(1);
    assertThat(namespaces).allSatisfy(ns -> assertThat(h.dockerConfig(ns, "ecr-pull")).contains("\"password\":\"timed-ecr-token-1\""));
    Instant next = Instant.parse(ready.getStatus().getNextRefreshTime());
    // 25% before a 12 h expiry, no jitter: 9 h after the fetch (on the operator's clock).
    assertThat(Duration.between(clock.instant(), next)).isBetween(Duration.ofHours(9).minusSeconds(2), Duration.ofHours(9));

    // Up to a minute before nextRefreshTime, events reuse the token.
    clock.advance(Duration.between(clock.instant(), next).minusMinutes(1));
    h.tick("ticker", "ecr", 1);
    h.tick("ticker", "ecr", 2);
    assertThat(stub.calls.get()).isEqualTo(1);
    assertThat(namespaces).allSatisfy(ns -> assertThat(h.dockerConfig(ns, "ecr-pull")).contains("timed-ecr-token-1"));

    // Past nextRefreshTime: the same kind of event now finds the refresh due.
    clock.advance(Duration.ofMinutes(2));
    h.tick("ticker", "ecr", 3);
    h.awaitUntil(() -> namespaces.stream().allMatch(ns -> h.dockerConfig(ns, "ecr-pull").contains("\"password\":\"timed-ecr-token-2\"")));
    assertThat(stub.calls.get()).isEqualTo(2);
    RegistryCredential refreshed = h.awaitResource(PLATFORM_NS, "ecr",
        rc -> !ready.getStatus().getNextRefreshTime().equals(rc.getStatus().getNextRefreshTime()));
    assertThat(Instant.parse(refreshed.getStatus().getNextRefreshTime())).isAfter(next.plus(Duration.ofHours(8)));
    h.tick("ticker", "ecr", 4);
    assertThat(stub.calls.get()).isEqualTo(2);
  }
}
