package io.pullsecrets.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pullsecrets.operator.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's alert rules, evaluated by Prometheus' own {@code promtool test rules} on synthetic
 * series: a healthy one-hour token (refreshed with a quarter of its life left) never alerts; a
 * refresh that starts failing near expiry does; an operator that stops reporting does.
 */
class AlertRulesTest {
  static final String CRED = "namespace=\"platform\",name=\"gar\",provider=\"gcp\"";

  static String promtool() {
    return Tools.require("promtool", "PULLSECRET_REQUIRE_HELM", "promtool is not installed (Debian package prometheus; .ci/run installs it)");
  }

  /** The chart's rules (annotations dropped: promtool compares them too) written to {@code dir}/rules.yml. */
  static void writeRules(Path dir) throws Exception {
    List<HasMetadata> objects = Helm.template("--set", "metrics.prometheusRule.enabled=true");
    GenericKubernetesResource rule = (GenericKubernetesResource) objects.stream()
        .filter(o -> o.getKind().equals("PrometheusRule")).findFirst().orElseThrow();
    // promtool compares annotations too; this test is about when the rules fire.
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> spec = (java.util.Map<String, Object>) rule.getAdditionalProperties().get("spec");
    for (Object group : (List<?>) spec.get("groups")) {
      for (Object r : (List<?>) ((java.util.Map<?, ?>) group).get("rules")) {
        ((java.util.Map<?, ?>) r).remove("annotations");
      }
    }
    Files.writeString(dir.resolve("rules.yml"), Serialization.asYaml(spec));
  }

  /** Writes the chart's rules and {@code test} into {@code dir}; {@code promtool test rules} passes. */
  static void promtoolTest(Path dir, String test) throws Exception {
    String promtool = promtool();
    writeRules(dir);
    Files.writeString(dir.resolve("test.yml"), test);
    Process p = new ProcessBuilder(promtool, "test", "rules", "test.yml").directory(dir.toFile())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("SUCCESS");
  }

  /**
   * Pull health: authentication failures that keep growing for 10 minutes alert; failures of the
   * other kinds (not found, network) and a single burst that stops do not.
   */
  @Test
  void pullsRefusedForAuthenticationAlertOtherKindsDoNot(@TempDir Path dir) throws Exception {
    promtoolTest(dir, """
        rule_files: [rules.yml]
        evaluation_interval: 1m
        tests:
        - interval: 1m
          input_series:
          - series: 'pullsecret_pull_failures_total{credential_namespace="platform",credential="gar",kind="auth"}'
            values: '0x10 1+1x30'
          - series: 'pullsecret_pull_failures_total{credential_namespace="platform",credential="gar",kind="notfound"}'
            values: '0+5x60'
          - series: 'pullsecret_pull_failures_total{credential_namespace="platform",credential="ecr",kind="auth"}'
            values: '0x10 3x50'
          alert_rule_test:
          - {eval_time: 10m, alertname: PullSecretPullsFailing, exp_alerts: []}
          - {eval_time: 14m, alertname: PullSecretPullsFailing, exp_alerts: []}
          - {eval_time: 18m, alertname: PullSecretPullsFailing, exp_alerts: []}
          - eval_time: 25m
            alertname: PullSecretPullsFailing
            exp_alerts:
            - exp_labels: {credential_namespace: platform, credential: gar, severity: warning}
        """);
  }

  @Test
  void healthyTokensNeverAlertAndFailuresNearExpiryDo(@TempDir Path dir) throws Exception {
    // One-minute samples. A Google token lives 3600 s and is replaced at 45 min (25% left): the
    // expiry timestamp steps 3600 -> 6300 -> 9000 s. The failing credential's refresh fails from
    // minute 45 on, and its token stays at the first expiry (3600 s).
    promtoolTest(dir, """
        rule_files: [rules.yml]
        evaluation_interval: 1m
        tests:
        - name: a healthy one-hour token never alerts
          interval: 1m
          input_series:
          - series: 'pullsecret_token_expiry_timestamp_seconds{%1$s}'
            values: '3600x44 6300x44 9000x44'
          - series: 'pullsecret_last_refresh_success{%1$s}'
            values: '1x134'
          - series: 'pullsecret_namespaces_failed{namespace="platform",name="gar"}'
            values: '0x134'
          - series: 'pullsecret_leader'
            values: '1x134'
          alert_rule_test:
          - {eval_time: 44m, alertname: PullSecretTokenExpiring, exp_alerts: []}
          - {eval_time: 44m, alertname: PullSecretTokenNotRefreshed, exp_alerts: []}
          - {eval_time: 89m, alertname: PullSecretTokenNotRefreshed, exp_alerts: []}
          - {eval_time: 130m, alertname: PullSecretRefreshFailing, exp_alerts: []}
          - {eval_time: 130m, alertname: PullSecretOperatorDown, exp_alerts: []}
        - name: a failing refresh near expiry alerts, and so does the expiry itself
          interval: 1m
          input_series:
          - series: 'pullsecret_token_expiry_timestamp_seconds{%1$s}'
            values: '3600x90'
          - series: 'pullsecret_last_refresh_success{%1$s}'
            values: '1x44 0x46'
          - series: 'pullsecret_leader'
            values: '1x90'
          alert_rule_test:
          - {eval_time: 44m, alertname: PullSecretTokenExpiring, exp_alerts: []}
          - eval_time: 51m
            alertname: PullSecretTokenExpiring
            exp_alerts:
            - exp_labels: {%2$s, severity: warning}
          - eval_time: 61m
            alertname: PullSecretRefreshFailing
            exp_alerts:
            - exp_labels: {%2$s, severity: warning}
          - eval_time: 58m
            alertname: PullSecretTokenNotRefreshed
            exp_alerts:
            - exp_labels: {%2$s, severity: warning}
        - name: an operator that stops reporting alerts
          interval: 1m
          input_series:
          - series: 'pullsecret_leader'
            values: '1x10 _x40'
          alert_rule_test:
          - {eval_time: 10m, alertname: PullSecretOperatorDown, exp_alerts: []}
          - eval_time: 30m
            alertname: PullSecretOperatorDown
            exp_alerts:
            - exp_labels: {severity: warning}
        """.formatted(CRED, "namespace: platform, name: gar, provider: gcp"));
  }

  /**
   * Every alert links to its entry in the troubleshooting page of the documentation site: the URL
   * is the site's (mkdocs.yml site_url) and the anchor is a heading of docs/troubleshooting.md
   * (MkDocs' slug of it: lower case, punctuation dropped, spaces as dashes).
   */
  @Test
  void everyAlertHasARunbookUrlThatResolvesToATroubleshootingEntry() throws Exception {
    List<HasMetadata> objects = Helm.template("--set", "metrics.prometheusRule.enabled=true");
    GenericKubernetesResource rule = (GenericKubernetesResource) objects.stream()
        .filter(o -> o.getKind().equals("PrometheusRule")).findFirst().orElseThrow();
    java.util.regex.Matcher site = java.util.regex.Pattern.compile("(?m)^site_url: (\\S+?)/?$")
        .matcher(Files.readString(Path.of("mkdocs.yml")));
    assertThat(site.find()).as("mkdocs.yml has a site_url").isTrue();
    java.util.Set<String> anchors = new java.util.TreeSet<>();
    for (String line : Files.readString(Path.of("docs/troubleshooting.md")).lines().toList()) {
      if (line.startsWith("#")) {
        anchors.add(line.replaceFirst("^#+\\s*", "").strip().toLowerCase()
            .replaceAll("[^\\w\\s-]", "").strip().replaceAll("[\\s-]+", "-"));
      }
    }
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> spec = (java.util.Map<String, Object>) rule.getAdditionalProperties().get("spec");
    int alerts = 0;
    for (Object group : (List<?>) spec.get("groups")) {
      for (Object r : (List<?>) ((java.util.Map<?, ?>) group).get("rules")) {
        java.util.Map<?, ?> alert = (java.util.Map<?, ?>) r;
        String name = (String) alert.get("alert");
        String url = (String) ((java.util.Map<?, ?>) alert.get("annotations")).get("runbook_url");
        assertThat(url).as(name + " runbook_url").isEqualTo(site.group(1) + "/troubleshooting/#" + name.toLowerCase());
        assertThat(anchors).as("docs/troubleshooting.md has a heading for " + name).contains(name.toLowerCase());
        alerts++;
      }
    }
    assertThat(alerts).as("every alert of the chart, PullSecretPullsFailing included").isEqualTo(6);
  }
}
