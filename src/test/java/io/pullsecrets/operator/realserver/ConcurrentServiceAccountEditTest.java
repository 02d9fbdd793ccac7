package io.pullsecrets.operator.realserver;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OnRealControlPlane;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.RealApiServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * README: a concurrent ServiceAccount edit is never lost. Here the edit lands exactly between the
 * operator's read of the ServiceAccount and its patch: the operator's client holds each
 * ServiceAccount PATCH while the team (another client, admin) edits the account's
 * imagePullSecrets and labels, then lets it go. The team's edit and the operator's entry both
 * end up on the account, when the entry is added and when it is removed.
 */
@OnRealControlPlane
class ConcurrentServiceAccountEditTest {
  static final String TEAM = "team-race";
  static final String SA_PATH = "/api/v1/namespaces/" + TEAM + "/serviceaccounts/default";

  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;
  /** What the team does to the ServiceAccount just before the operator's next PATCH of it (once). */
  volatile Consumer<ServiceAccount> teamEdit;
  final AtomicInteger racedPatches = new AtomicInteger();

  @BeforeEach
  void start() {
    RealApiServer api = new RealApiServer();
    h = closer.add(new OperatorHarness(api, api.newOperatorClient(new Interceptor() {
      @Override
      public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        Consumer<ServiceAccount> edit = teamEdit;
        if (edit != null && "PATCH".equals(request.method()) && request.uri().getPath().equals(SA_PATH)) {
          teamEdit = null;
          api.client().serviceAccounts().inNamespace(TEAM).withName("default").edit(sa -> {
            edit.accept(sa);
            return sa;
          });
          racedPatches.incrementAndGet();
        }
      }
    }))).start();
    Fixtures.namespace(h.client, TEAM, Map.of());
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "race-password-1");
  }


  @Test
  void aTeamEditBetweenTheOperatorsReadAndPatchSurvivesAlongsideTheEntry() {
    // The account has no list yet: the operator's patch would set the whole list.
    teamEdit = sa -> {
      sa.setImagePullSecrets(new ArrayList<>(List.of(new LocalObjectReference("team-own"))));
      sa.getMetadata().setLabels(Map.of("owner", "team"));
    };
    h.apply(credential());

    h.awaitUntil(() -> h.pullSecretNames(TEAM, "default").contains("regcred"));
    assertThat(racedPatches.get()).as("the team edited between the operator's read and its patch").isEqualTo(1);
    assertThat(h.pullSecretNames(TEAM, "default")).containsExactlyInAnyOrder("team-own", "regcred");
    assertThat(h.serviceAccount(TEAM, "default").getMetadata().getLabels()).containsEntry("owner", "team");
  }

  @Test
  void aTeamEditBetweenTheOperatorsReadAndItsRemovalSurvivesAndOnlyTheEntryGoes() {
    h.apply(credential());
    h.awaitUntil(() -> h.pullSecretNames(TEAM, "default").contains("regcred"));

    // A new entry in front of the operator's: its index moves.
    teamEdit = sa -> {
      sa.getImagePullSecrets().add(0, new LocalObjectReference("team-first"));
      sa.getMetadata().setLabels(Map.of("owner", "team"));
    };
    h.client.resources(RegistryCredential.class).inNamespace(PLATFORM_NS).withName("regcred").delete();

    h.awaitUntil(() -> !h.pullSecretNames(TEAM, "default").contains("regcred"));
    assertThat(racedPatches.get()).as("the team edited between the operator's read and its patch").isEqualTo(1);
    assertThat(h.pullSecretNames(TEAM, "default")).containsExactly("team-first");
    assertThat(h.serviceAccount(TEAM, "default").getMetadata().getLabels()).containsEntry("owner", "team");
  }

  private static RegistryCredential credential() {
    return Fixtures.targeting(Fixtures.staticCredential(PLATFORM_NS, "regcred", "registry.example.com", "robot"), List.of(TEAM));
  }
}
