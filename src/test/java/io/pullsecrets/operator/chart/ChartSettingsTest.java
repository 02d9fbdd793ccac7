package io.pullsecrets.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pullsecrets.operator.config.OperatorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the chart renders, the operator accepts: every PULLSECRET_ variable of the Deployment, with
 * default and non-default values (leaderElection auto with one and two replicas, namespaced,
 * cert-manager, metrics and webhook off), parses without error. And the chart value each
 * {@link OperatorConfig.Setting} names (the configuration reference's Helm column) is one the
 * templates read.
 */
class ChartSettingsTest {
  static final List<List<String>> VARIANTS = List.of(
      List.of(),
      List.of("--set", "replicaCount=2"),
      List.of("--set", "operator.leaderElection=true"),
      List.of("--set", "operator.leaderElection=auto", "--set", "replicaCount=1"),
      List.of("--set", "installMode=namespaced", "--set", "operator.watchNamespaces={" + Helm.NAMESPACE + ",team-a}"),
      List.of("--set", "webhook.certManager.enabled=true"),
      List.of("--set", "metrics.secure=false", "--set", "webhook.enabled=false"),
      List.of("--set", "operator.allowedEndpointHosts={sts.example.com,10.0.0.7:8443}", "--set", "operator.logFormat=json"),
      List.of("--set", "operator.clusterSourceNamespaces={platform,registry-secrets}"),
      List.of("--set", "operator.healPodsDefault=true", "--set", "rbac.healPods=true"));

  @Test
  void everyVariableTheChartRendersIsAcceptedByTheOperator() {
    for (List<String> variant : VARIANTS) {
      Deployment d = Helm.one(Helm.template(variant.toArray(String[]::new)), Deployment.class, ChartTest.FULLNAME);
      Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
      Map<String, String> env = new HashMap<>();
      for (EnvVar e : c.getEnv()) {
        if (e.getName().startsWith("PULLSECRET_") && e.getValue() != null) {
          env.put(e.getName(), e.getValue());
        }
      }
      env.put("PULLSECRET_NAMESPACE", Helm.NAMESPACE);   // from the downward API in a pod
      assertThatCode(() -> OperatorConfig.parse(new String[0], env)).as("%s renders %s", variant, env).doesNotThrowAnyException();
    }
  }

  @Test
  void theChartValueOfEverySettingIsReadByTheTemplates() throws Exception {
    StringBuilder templates = new StringBuilder();
    try (var files = Files.list(Helm.CHART.resolve("templates"))) {
      for (Path f : files.toList()) {
        templates.append(Files.readString(f));
      }
    }
    Pattern value = Pattern.compile("`([a-z][A-Za-z]*(\\.[a-z][A-Za-z]*)+)`");
    int named = 0;
    for (OperatorConfig.Setting s : OperatorConfig.Setting.values()) {
      Matcher m = value.matcher(s.chart);
      while (m.find()) {
        assertThat(templates).as(s + " names the chart value " + m.group(1)).contains(".Values." + m.group(1));
        named++;
      }
    }
    assertThat(named).isGreaterThanOrEqualTo(10);
  }

  static Map<String, String> env(Deployment d) {
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      }
    }
    return env;
  }

  /**
   * operator.healPodsDefault deletes pods for every credential that leaves spec.healPods unset:
   * it needs the delete on pods that rbac.healPods grants, and rendering fails without it (the
   * schema says so, and the template when the schema is skipped). rbac.healPods alone is the
   * per-credential opt-in (spec.healPods: true) and renders.
   */
  @Test
  void healPodsDefaultIsRenderedOnlyWithTheRbacThatLetsItDelete() {
    assertThat(env(Helm.one(Helm.template(), Deployment.class, ChartTest.FULLNAME))).containsEntry("PULLSECRET_HEAL_PODS_DEFAULT", "false");
    List<io.fabric8.kubernetes.api.model.HasMetadata> both = Helm.template("--set", "operator.healPodsDefault=true", "--set", "rbac.healPods=true");
    assertThat(env(Helm.one(both, Deployment.class, ChartTest.FULLNAME))).containsEntry("PULLSECRET_HEAL_PODS_DEFAULT", "true");
    assertThat(both).filteredOn(o -> o.getKind().equals("ClusterRole")).map(o -> Serialization.asYaml(o))
        .anyMatch(y -> y.contains("pods") && y.contains("delete"));
    Helm.one(Helm.template("--set", "rbac.healPods=true"), Deployment.class, ChartTest.FULLNAME);

    for (List<String> extra : List.of(List.<String>of(), List.of("--skip-schema-validation"))) {
      List<String> args = new java.util.ArrayList<>(List.of("template", Helm.RELEASE, Helm.CHART.toString()));
      args.addAll(extra);
      args.addAll(List.of("--set", "operator.healPodsDefault=true"));
      Helm.Result r = Helm.run(args);
      assertThat(r.exitCode()).as("%s", args).isNotZero();
      assertThat(r.stderr()).as("%s", args).contains(extra.isEmpty() ? "at '/rbac/healPods': value must be true"
          : "operator.healPodsDefault needs rbac.healPods (delete on pods)");
    }
  }
}
