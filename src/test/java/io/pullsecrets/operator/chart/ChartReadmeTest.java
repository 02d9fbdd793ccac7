package io.pullsecrets.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chart's README (what {@code helm show readme} prints) documents every value. */
class ChartReadmeTest {
  @Test
  void valuesTableIsGeneratedFromValuesYamlAndTheSchema() throws Exception {
    assertThat(Files.readString(ChartReadme.README))
        .as("helm/pullsecret-operator/README.md's values table drifted from values.yaml: run hack/update-chart-readme.sh")
        .isEqualTo(ChartReadme.withTable(Files.readString(ChartReadme.README), ChartReadme.table()));
  }

  @Test
  void helmShowReadmeCoversEveryValueKey() throws Exception {
    Helm.Result r = Helm.run(List.of("show", "readme", Helm.CHART.toString()));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    String readme = r.stdout();
    JsonNode values = new ObjectMapper(new YAMLFactory()).readTree(Helm.CHART.resolve("values.yaml").toFile());
    List<String> missing = new ArrayList<>();
    values.fieldNames().forEachRemaining(k -> {
      if (!readme.contains("| `" + k + "` |") && !readme.contains("| `" + k + ".")) {
        missing.add(k);
      }
    });
    assertThat(missing).as("top-level values without a row in the chart README").isEmpty();
    // Every leaf the schema types has a row with a description.
    for (String line : readme.split("\n")) {
      if (line.startsWith("| `")) {
        String[] cells = line.split("(?<!\\\\)\\|");
        assertThat(cells[4].strip()).as("description of %s", cells[1]).isNotEmpty();
        assertThat(cells[2].strip()).as("type of %s", cells[1]).isNotEqualTo("any");
      }
    }
    assertThat(readme).contains("| `rbac.aggregateRoles` | boolean | `true` |", "| `commonLabels` |", "| `extraEnv` |",
        "| `extraVolumes` |", "| `extraVolumeMounts` |", "| `revisionHistoryLimit` | integer | `10` |");
    // Every schema property of the top level appears too (values.yaml and the schema agree).
    JsonNode schema = new ObjectMapper().readTree(Helm.CHART.resolve("values.schema.json").toFile());
    schema.path("properties").fieldNames().forEachRemaining(k -> {
      if (!k.equals("global")) {
        assertThat(values.has(k)).as("schema property %s has a default in values.yaml", k).isTrue();
      }
    });
  }
}
