package io.pullsecrets.operator.faults;

import static io.pullsecrets.operator.testing.Fixtures.b64;
import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.mockwebserver.http.MockResponse;
import io.pullsecrets.operator.api.FailedNamespace;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.MockApiServer;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * README, Status and conditions: {@code Synced} is False with reason {@code Conflict} only when
 * every failure is a conflict, and {@code SyncFailed} when conflicts and write failures mix. Write
 * failures need fault injection, so this runs on the CRUD mock.
 */
class MixedFailuresTest {
  @RegisterExtension final Closer closer = new Closer();

  @Test
  void conflictsMixedWithWriteFailuresAreSyncFailed() {
    OperatorHarness h = closer.add(OperatorHarness.onMock()).start();
    for (String ns : List.of("team-a", "team-b", "team-c")) {
      Fixtures.namespace(h.client, ns, Map.of());
    }
    // team-b: a Secret of the same name that is not ours (a Conflict).
    h.client.secrets().inNamespace("team-b").resource(new SecretBuilder().withNewMetadata().withName("regcred")
        .withNamespace("team-b").endMetadata().withData(Map.of("token", b64("theirs"))).build()).create();
    // team-c: every create of the Secret fails (a write failure, not a conflict).
    h.mock().setFault(r -> MockApiServer.OPERATOR_AGENT.equals(r.getHeader("User-Agent"))
        && r.getMethod().equals("POST") && r.getPath().contains("/namespaces/team-c/secrets")
            ? new MockResponse().setResponseCode(500) : null);
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "s3cret-1");
    RegistryCredential rc = CredentialBuilder.staticLogin(PLATFORM_NS, "example", "registry.example.com", "robot")
        .secretName("regcred").targets(List.of("team-a", "team-b", "team-c")).build();
    h.apply(rc);

    RegistryCredential status = h.awaitResource(PLATFORM_NS, "example", r -> r.getStatus() != null
        && r.getStatus().getFailedNamespaces() != null && r.getStatus().getFailedNamespaces().size() == 2);

    assertThat(condition(status, "Synced").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(condition(status, "Synced").orElseThrow().getReason()).isEqualTo("SyncFailed");
    assertThat(condition(status, "Ready").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(condition(status, "Ready").orElseThrow().getReason()).isEqualTo("SyncFailed");
    assertThat(status.getStatus().getFailedNamespaces()).extracting(FailedNamespace::getNamespace)
        .containsExactlyInAnyOrder("team-b", "team-c");
    assertThat(status.getStatus().getFailedNamespaces()).filteredOn(f -> f.getNamespace().equals("team-b"))
        .singleElement().extracting(FailedNamespace::getReason).isEqualTo("Conflict");
    assertThat(status.getStatus().getFailedNamespaces()).filteredOn(f -> f.getNamespace().equals("team-c"))
        .singleElement().extracting(FailedNamespace::getReason).isNotEqualTo("Conflict");
    assertThat(status.getStatus().getNamespaces().getSummary()).isEqualTo("1/3");
    assertThat(h.secret("team-a", "regcred")).isPresent();

    // Once the writes succeed, only the conflict is left: Synced says Conflict.
    h.mock().setFault(r -> null);
    h.awaitCondition(PLATFORM_NS, "example", "Synced", "False", "Conflict");
    assertThat(h.secret("team-c", "regcred")).isPresent();
  }
}
