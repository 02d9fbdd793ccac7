package io.pullsecrets.operator.reconciler;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.mockwebserver.http.MockResponse;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A credential whose source Secret cannot be watched yet holds up no other credential. */
class SlowSourceTest {
  @RegisterExtension final Closer closer = new Closer();

  @Test
  void aCredentialWhoseSourceListHangsDoesNotDelayAnotherCredential() {
    OperatorHarness h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.loginSecret(h.client, PLATFORM_NS, "stuck-robot", "robot", "slow-source-pw");
    // The list of platform/stuck-robot is answered, but its body arrives only after 8 s.
    h.mock().setFault(r -> r.getMethod().equals("GET") && r.getPath().contains("metadata.name%3Dstuck-robot")
        && !r.getPath().contains("watch=true") ? new MockResponse().setResponseCode(200)
        .setBody("{\"kind\":\"SecretList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[]}")
        .setBodyDelay(Duration.ofSeconds(8)) : null);
    RegistryCredential stuck = Fixtures.staticCredential(PLATFORM_NS, "stuck", "registry.example.com", "stuck-robot");
    stuck.getSpec().setSecretName("regcred-stuck");
    stuck.getSpec().setTargets(new io.pullsecrets.operator.api.TargetsSpec());
    stuck.getSpec().getTargets().setNamespaces(List.of("team-a"));
    h.apply(stuck);
    h.awaitUntil(() -> h.mock().operatorRequests().stream().anyMatch(r -> r.path().contains("metadata.name%3Dstuck-robot")));

    h.apply(Fixtures.teamCredential(h.client, "registry.example.com", List.of("team-a")));

    Awaitility.await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(50))
        .until(() -> h.secret("team-a", "regcred").isPresent());
    assertThat(h.secret("team-a", "regcred-stuck")).isEmpty();
  }
}
