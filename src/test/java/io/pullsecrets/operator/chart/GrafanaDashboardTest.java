package io.pullsecrets.operator.chart;

import static io.pullsecrets.operator.chart.Helm.all;
import static io.pullsecrets.operator.chart.Helm.template;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard in helm/pullsecret-operator/dashboards: every PromQL query of every panel
 * (and of the template variables) names only series the operator's /metrics really serves, as
 * {@link ExportedSeries} obtains them from {@code OperatorMetrics} and JOSDK's micrometer-support;
 * and the chart ships it as a ConfigMap for the Grafana sidecar only when asked to.
 */
class GrafanaDashboardTest {
  static final Path DASHBOARD = Helm.CHART.resolve("dashboards/pullsecret-operator.json");
  static final ObjectMapper JSON = new ObjectMapper();

  /** PromQL words that are not series: aggregation modifiers, set and vector-matching operators. */
  static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "bool",
      "and", "or", "unless", "offset", "inf", "nan", "atan2");

  @Test
  void everyQueryUsesOnlySeriesTheOperatorExports() throws IOException {
    Set<String> exported = ExportedSeries.names();
    // The scrape covers both families, so that an empty or broken scrape cannot pass the check.
    assertThat(exported).contains("pullsecret_token_expiry_timestamp_seconds", "pullsecret_refreshes_total",
        "pullsecret_refresh_duration_seconds_bucket", "operator_sdk_reconciliations_started_total",
        "operator_sdk_reconciliations_failed_total", "operator_sdk_reconciliations_queue_size_registrycredentialreconciler");

    Map<String, Set<String>> used = queries(JSON.readTree(DASHBOARD.toFile()));
    assertThat(used).as("panels with queries").hasSizeGreaterThanOrEqualTo(10);
    Set<String> all = new TreeSet<>();
    used.forEach((where, names) -> {
      assertThat(names).as("series in %s", where).isNotEmpty();
      assertThat(exported).as("%s uses series the operator does not export", where).containsAll(names);
      all.addAll(names);
    });
    // What issue 11 asks the dashboard to show.
    assertThat(all).contains(
        "pullsecret_token_expiry_timestamp_seconds",                // tokens' time to expiry per credential
        "pullsecret_refreshes_total",                               // refresh results by provider
        "pullsecret_refresh_duration_seconds_bucket",               // refresh latency by provider
        "pullsecret_namespaces_synced", "pullsecret_namespaces_failed",
        "operator_sdk_reconciliations_started_total",               // reconcile rate
        "operator_sdk_reconciliations_failed_total");               // reconcile errors
  }

  @Test
  void dashboardIsWellFormedForTheGrafanaSidecar() throws IOException {
    JsonNode d = JSON.readTree(DASHBOARD.toFile());
    assertThat(d.path("uid").asText()).isEqualTo("pullsecret-operator");
    assertThat(d.path("title").asText()).isNotBlank();
    // A data source variable, so that the imported dashboard works with any Prometheus data source.
    assertThat(d.path("templating").path("list")).anySatisfy(v -> {
      assertThat(v.path("type").asText()).isEqualTo("datasource");
      assertThat(v.path("query").asText()).isEqualTo("prometheus");
    });
    Set<Integer> ids = new TreeSet<>();
    for (JsonNode p : panels(d)) {
      assertThat(ids.add(p.path("id").asInt())).as("panel id %s is unique", p.path("id")).isTrue();
      assertThat(p.path("gridPos").path("w").asInt()).isBetween(1, 24);
      if (!p.path("type").asText().equals("row")) {
        assertThat(p.path("datasource").path("uid").asText()).as(p.path("title").asText()).isEqualTo("${datasource}");
        assertThat(p.path("targets")).as(p.path("title").asText()).isNotEmpty();
      }
    }
  }

  @Test
  void metricNamesAreExtractedFromPromql() {
    assertThat(metricNames("histogram_quantile(0.95, sum by (provider, le) (rate(pullsecret_refresh_duration_seconds_bucket"
        + "{provider=~\"ecr|gcp\", result!=\"failure\"}[$__rate_interval])))"))
        .containsExactly("pullsecret_refresh_duration_seconds_bucket");
    assertThat(metricNames("count(pullsecret_last_refresh_success{namespace=~\"$namespace\"} == 0) or vector(0)"))
        .containsExactly("pullsecret_last_refresh_success");
    assertThat(metricNames("min(a_b{x=\"sum(c)\"}) - time() > bool on (name) group_left (provider) c:d offset 5m"))
        .containsExactlyInAnyOrder("a_b", "c:d");
    assertThat(metricNames("label_values(pullsecret_namespaces_targeted, namespace)")).containsExactly("pullsecret_namespaces_targeted");
    assertThat(metricNames("{__name__=\"x\"}")).isEmpty();
  }

  @Test
  void chartShipsTheDashboardOnlyWhenEnabled() throws IOException {
    assertThat(dashboards(template())).as("off by default").isEmpty();

    ConfigMap cm = single(dashboards(template("--set", "metrics.grafanaDashboard.enabled=true")));
    assertThat(cm.getMetadata().getName()).isEqualTo(ChartTest.FULLNAME + "-dashboard");
    assertThat(cm.getMetadata().getNamespace()).isEqualTo(Helm.NAMESPACE);
    assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1")
        .containsEntry("app.kubernetes.io/name", "pullsecret-operator");
    assertThat(cm.getData()).containsOnlyKeys("pullsecret-operator.json");
    assertThat(JSON.readTree(cm.getData().get("pullsecret-operator.json"))).isEqualTo(JSON.readTree(DASHBOARD.toFile()));
    assertThat(cm.getData().get("pullsecret-operator.json")).isEqualTo(Files.readString(DASHBOARD).stripTrailing());

    ConfigMap custom = single(dashboards(template("--set", "metrics.grafanaDashboard.enabled=true",
        "--set", "metrics.grafanaDashboard.label=grafana.example.com/dashboard",
        "--set", "metrics.grafanaDashboard.labelValue=pullsecrets",
        "--set", "metrics.grafanaDashboard.namespace=monitoring",
        "--set", "metrics.grafanaDashboard.annotations.grafana_folder=Platform")));
    assertThat(custom.getMetadata().getLabels()).containsEntry("grafana.example.com/dashboard", "pullsecrets")
        .doesNotContainKey("grafana_dashboard");
    assertThat(custom.getMetadata().getNamespace()).isEqualTo("monitoring");
    assertThat(custom.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Platform");

    for (List<String> bad : List.of(
        List.of("--set", "metrics.grafanaDashboard.enabled=yes-please"),
        List.of("--set", "metrics.grafanaDashboard.label=not a label"),
        List.of("--set", "metrics.grafanaDashboard.labelValue=-1-"),
        List.of("--set", "metrics.grafanaDashboard.namespace=Monitoring"),
        List.of("--set", "metrics.grafanaDashboard.folder=x"))) {
      List<String> args = new ArrayList<>(List.of("template", Helm.RELEASE, Helm.CHART.toString()));
      args.addAll(bad);
      Helm.Result r = Helm.run(args);
      assertThat(r.exitCode()).as("helm template %s should fail", bad).isNotZero();
      assertThat(r.stderr()).as("error for %s", bad).contains("schema");
    }
  }

  private static List<ConfigMap> dashboards(List<HasMetadata> objects) {
    return all(objects, ConfigMap.class).stream().filter(c -> c.getMetadata().getName().endsWith("-dashboard")).toList();
  }

  private static ConfigMap single(List<ConfigMap> found) {
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  /** Panels, including those nested in collapsed rows. */
  static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode p : dashboard.path("panels")) {
      out.add(p);
      p.path("panels").forEach(out::add);
    }
    return out;
  }

  /** "panel title / refId" (and "variable name") -> series names in its query. */
  static Map<String, Set<String>> queries(JsonNode dashboard) {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (JsonNode p : panels(dashboard)) {
      for (JsonNode t : p.path("targets")) {
        String expr = t.path("expr").asText("");
        assertThat(expr).as("query %s of %s", t.path("refId"), p.path("title")).isNotBlank();
        out.put("panel '" + p.path("title").asText() + "' query " + t.path("refId").asText(), metricNames(expr));
      }
    }
    for (JsonNode v : dashboard.path("templating").path("list")) {
      if (v.path("type").asText().equals("query")) {
        JsonNode q = v.path("query");
        out.put("variable " + v.path("name").asText(), metricNames(q.isTextual() ? q.asText() : q.path("query").asText()));
      }
    }
    return out;
  }

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
  private static final Pattern LABEL_LIST = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
  private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

  /**
   * The series names a PromQL expression reads: identifiers that are not functions (followed by
   * "("), keywords, label names (in matchers, by/without/on/ignoring lists) or Grafana variables.
   * For label_values(metric, label) only the metric counts.
   */
  static Set<String> metricNames(String expr) {
    String e = STRING.matcher(expr).replaceAll("\"\"");
    e = MATCHERS.matcher(e).replaceAll(" ");
    e = RANGE.matcher(e).replaceAll(" ");
    e = LABEL_LIST.matcher(e).replaceAll(" ");
    e = VARIABLE.matcher(e).replaceAll(" ");
    Matcher lv = Pattern.compile("label_values\\(\\s*([^,)]*?)\\s*,[^)]*\\)").matcher(e);
    if (lv.find()) {
      e = lv.replaceAll("$1");
    }
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(e);
    while (m.find()) {
      String word = m.group(1);
      boolean function = m.group(2) != null;
      if (!function && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
        names.add(word);
      }
    }
    return names;
  }
}
