package io.pullsecrets.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every reason the operator writes is one constant of {@link Reasons}, and the tables of
 * docs/status.md
 * (conditions, failed namespaces, events) name exactly those: a reason added in code without a
 * line for users, or documented but never written, fails here.
 */
class ReasonsDocumentedTest {
  /** The page with the three tables (conditions, failed namespaces, events). */
  static String statusSection() throws IOException {
    String page = Files.readString(Path.of("docs/status.md"));
    assertThat(page).as("docs/status.md is the 'Status and conditions' page").startsWith("# Status and conditions");
    return page;
  }

  /** The reasons named in the first column, and in backticks in the last column, of each table row. */
  static Set<String> documented(String section) {
    Set<String> out = new TreeSet<>();
    Pattern word = Pattern.compile("`([A-Z][A-Za-z]+)`");
    for (String line : section.lines().toList()) {
      if (!line.startsWith("| ") || line.startsWith("| ---") || line.startsWith("| condition") || line.startsWith("| reason")) {
        continue;
      }
      List<String> cells = Arrays.stream(line.split("\\|")).map(String::strip).filter(c -> !c.isEmpty()).toList();
      boolean conditionsTable = cells.size() == 3 && cells.get(0).matches("`(Ready|TokenValid|Synced|Verified|Reconciling|Stalled|PullsHealthy)`");
      String reasons = conditionsTable ? cells.get(1) + " " + cells.get(2) : cells.get(0);
      Matcher m = word.matcher(reasons);
      while (m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  static Set<String> constants() throws IllegalAccessException {
    Set<String> out = new TreeSet<>();
    for (Field f : Reasons.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        out.add((String) f.get(null));
      }
    }
    return out;
  }

  @Test
  void theStatusPageTablesNameExactlyTheReasonsTheOperatorWrites() throws Exception {
    Set<String> constants = constants();
    Set<String> conditionTypes = Set.of("Ready", "TokenValid", "Synced", "Verified", "Reconciling", "Stalled", "PullsHealthy");
    Set<String> reasonsInTables = documented(statusSection()).stream()
        .filter(r -> !conditionTypes.contains(r) || constants.contains(r)).collect(Collectors.toCollection(TreeSet::new));

    assertThat(reasonsInTables).as("documented reasons").isEqualTo(constants);
  }

  @Test
  void theTableParserSeesAReasonLeftOut() throws Exception {
    String section = statusSection().replace("| `WriteConflict` |", "| write conflict |");

    assertThat(documented(section)).doesNotContain("WriteConflict");
    assertThat(constants()).contains("WriteConflict");
  }

  /** The CRD's description of failedNamespaces[].reason lists exactly the reasons of the page's "Failed namespaces" table. */
  @Test
  void theCrdNamesTheFailedNamespaceReasonsOfTheStatusPage() throws Exception {
    com.fasterxml.jackson.databind.JsonNode crd = new com.fasterxml.jackson.databind.ObjectMapper(
        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(Path.of("crds/registrycredentials.pullsecrets.io-v1.yml").toFile());
    String description = crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/status/properties/failedNamespaces/items/properties/reason/description").asText();
    String list = description.substring(description.indexOf(':') + 1, description.indexOf('('));
    Set<String> inCrd = new TreeSet<>(Arrays.stream(list.split(",| or ")).map(String::strip).filter(w -> !w.isEmpty()).toList());
    String page = statusSection();
    String table = page.substring(page.indexOf("## Failed namespaces"), page.indexOf("## Events"));
    Set<String> documented = documented(table);

    assertThat(inCrd).as("reasons in the CRD's description: " + description).isEqualTo(documented).hasSize(9);
  }
}
