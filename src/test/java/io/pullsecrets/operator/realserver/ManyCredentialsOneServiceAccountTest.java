package io.pullsecrets.operator.realserver;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pullsecrets.operator.api.LabelSelectorSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OnRealControlPlane;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.RealApiServer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Twenty credentials select a new namespace at once: its {@code default} ServiceAccount gets their
 * twenty entries in a few patches, none of which loses its {@code test} op to another (each patch
 * that loses costs a read and a retry, and with twenty concurrent patches of one account most
 * did). Writes and their responses are counted from the API server's audit log.
 */
@OnRealControlPlane
class ManyCredentialsOneServiceAccountTest {
  static final int CREDENTIALS = 20;
  static final String LABEL = "pullsecrets.test/many-credentials";
  static final String NS = "team-many";
  static final String SA_PATH = "/api/v1/namespaces/" + NS + "/serviceaccounts/default";

  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;
  RealApiServer api;

  @BeforeEach
  void start() {
    h = closer.add(new OperatorHarness()).start();
    api = (RealApiServer) h.api;
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "many-password-1");
  }

  @Test
  void twentyCredentialsSelectingANewNamespacePatchItsServiceAccountAFewTimesWithoutConflicts() {
    for (int i = 0; i < CREDENTIALS; i++) {
      RegistryCredential rc = Fixtures.staticCredential(PLATFORM_NS, "many-" + i, "registry.example.com", "robot");
      rc.getSpec().setSecretName("many-" + i);
      TargetsSpec t = new TargetsSpec();
      t.setNamespaceSelector(new LabelSelectorSpec(Map.of(LABEL, "yes"), null));
      rc.getSpec().setTargets(t);
      h.applyReady(rc);
    }
    Set<String> all = IntStream.range(0, CREDENTIALS).mapToObj(i -> "many-" + i).collect(Collectors.toCollection(TreeSet::new));
    api.clearRequests();

    Fixtures.namespace(h.client, NS, Map.of(LABEL, "yes"));

    // Until the audit log holds the successful patches that added all twenty entries.
    h.awaitUntil(() -> added(saPatches(), true).containsAll(all));
    assertThat(h.pullSecretNames(NS, "default")).containsExactlyInAnyOrderElementsOf(all);
    List<JsonNode> patches = saPatches();
    List<Integer> codes = patches.stream().map(e -> e.path("responseStatus").path("code").asInt()).toList();
    assertThat(codes).as("responses to the operator's patches of %s/default", NS).allMatch(c -> c == 200);
    // One patch per credential before (20, and 28 more that lost their test op, on this server at
    // load 20); coalesced, about ten at that load, fewer when the writer threads queue more.
    assertThat(patches).as("patches of %s/default for %d credentials", NS, CREDENTIALS)
        .hasSizeLessThanOrEqualTo(CREDENTIALS * 3 / 4);
  }

  private List<JsonNode> saPatches() {
    return api.operatorAuditEvents().stream()
        .filter(e -> "patch".equals(e.path("verb").asText()) && e.path("requestURI").asText().startsWith(SA_PATH))
        .toList();
  }

  /** The entries the patches (those that succeeded, when {@code succeeded}) added. */
  private static Set<String> added(List<JsonNode> patches, boolean succeeded) {
    Set<String> out = new TreeSet<>();
    for (JsonNode e : patches) {
      if (succeeded && e.path("responseStatus").path("code").asInt() != 200) {
        continue;
      }
      for (JsonNode op : e.path("requestObject")) {
        if ("add".equals(op.path("op").asText())) {
          JsonNode v = op.path("value");
          if (v.isArray()) {
            v.forEach(x -> out.add(x.path("name").asText()));
          } else {
            out.add(v.path("name").asText());
          }
        }
      }
    }
    return out;
  }
}
