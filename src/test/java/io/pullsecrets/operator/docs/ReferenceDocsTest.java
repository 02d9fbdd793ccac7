package io.pullsecrets.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.config.OperatorConfig;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generated pages of docs/reference are what the code says today. */
class ReferenceDocsTest {
  @Test
  void theCommittedReferencePagesMatchTheCode() throws Exception {
    for (Map.Entry<String, String> e : ReferenceDocs.pages().entrySet()) {
      assertThat(Files.readString(ReferenceDocs.DIR.resolve(e.getKey())))
          .as("docs/reference/" + e.getKey() + " drifted from the code: run " + ReferenceDocs.FIX)
          .isEqualTo(e.getValue());
    }
  }

  @Test
  void theConfigurationReferenceNamesEverySettingAndItsChartValue() throws Exception {
    String page = ReferenceDocs.configuration();
    for (OperatorConfig.Setting s : OperatorConfig.Setting.values()) {
      assertThat(page).contains("| `" + s.env + "` | `--" + s.flag + "` | " + s.defaultValue + " | " + s.chart);
    }
    assertThat(page).contains("`operator.allowedEndpointHosts`", "`operator.leaderElection`");
  }

  @Test
  void theApiReferenceListsNestedFieldsAndTheirRules() throws Exception {
    String page = ReferenceDocs.pages().get("api.md");
    assertThat(page).contains("| `.spec.provider.azure.auth.managedIdentity` |", "| `.spec.secretName` |",
        "| `.status.failedNamespaces[].reason` |", "| rule | refused unless `");
    assertThat(ReferenceDocs.pages().get("api-cluster.md")).contains("`ClusterRegistryCredential`", "cluster",
        "| `.spec.sourceNamespace` |", "| `.spec.provider.gitlab.project` |");
  }

  @Test
  void theReasonsReferenceHasEveryReasonOnce() throws Exception {
    String page = ReferenceDocs.pages().get("reasons.md");
    for (String reason : ReferenceDocs.constants()) {
      assertThat(page).contains("| `" + reason + "` |");
    }
  }
}
