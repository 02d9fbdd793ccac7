package io.pullsecrets.operator.reconciler;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OnRealControlPlane;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator forgets a deleted credential everywhere: a thousand credentials that each leave
 * something behind (a served Secret in another namespace, a conflict, a source watch that finds
 * nothing, a fetch backing off) are created and deleted: the one holder of per-credential state
 * held exactly one state per credential, and it and every index that points back at credentials
 * are empty again. Memory does not grow with the credentials ever created.
 */
@OnRealControlPlane
class CredentialMemoryTest {
  static final int CREDENTIALS = 1000;
  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;

  /** The i-th credential: served into team-a, in conflict over one Secret name, or reading a Secret that does not exist. */
  static RegistryCredential credential(int i) {
    String name = "mem-" + i;
    return switch (i % 3) {
      case 0 -> CredentialBuilder.staticLogin(PLATFORM_NS, name, "registry.example.com", "robot").secretName(name + "-pull")
          .targets(List.of("team-a")).build();
      case 1 -> CredentialBuilder.staticLogin(PLATFORM_NS, name, "registry.example.com", "robot").secretName("shared-pull").build();
      default -> CredentialBuilder.staticLogin(PLATFORM_NS, name, "registry.example.com", "missing-" + i).secretName(name + "-pull").build();
    };
  }

  @Test
  void aThousandCredentialsCreatedAndDeletedLeaveNothingBehind() {
    h = closer.add(new OperatorHarness()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "memory-pw");
    for (int i = 0; i < CREDENTIALS; i++) {
      h.client.resource(credential(i)).create();
    }
    Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() ->
        h.client.resources(RegistryCredential.class).inNamespace(PLATFORM_NS).list().getItems().stream()
            .filter(rc -> rc.getStatus() != null && rc.getStatus().getConditions() != null).count() == CREDENTIALS);
    Map<String, Integer> whileTheyExist = h.operator().assembly().remembered();
    assertThat(whileTheyExist).as("every part remembers something while the credentials exist")
        .containsOnlyKeys("states", "targetIndex", "sourceWatches", "conflictClaims")
        .allSatisfy((part, n) -> assertThat(n).as(part).isPositive());
    assertThat(whileTheyExist.get("states")).as("one state per credential").isEqualTo(CREDENTIALS);

    // One by one: a delete of the whole collection can outlast the client's request timeout on a busy server.
    for (int i = 0; i < CREDENTIALS; i++) {
      h.client.resources(RegistryCredential.class).inNamespace(PLATFORM_NS).withName("mem-" + i).delete();
    }
    Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() ->
        h.client.resources(RegistryCredential.class).inNamespace(PLATFORM_NS).list().getItems().isEmpty());

    assertThat(h.operator().assembly().remembered()).as("after every credential was deleted")
        .allSatisfy((part, n) -> assertThat(n).as(part).isZero());
    assertThat(h.client.secrets().inNamespace("team-a").list().getItems())
        .noneMatch(s -> s.getMetadata().getName().startsWith("mem-"));
  }
}
