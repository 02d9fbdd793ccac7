package io.pullsecrets.operator.chart;

import static io.pullsecrets.operator.chart.ChartTest.FULLNAME;
import static io.pullsecrets.operator.chart.Helm.all;
import static io.pullsecrets.operator.chart.Helm.one;
import static io.pullsecrets.operator.chart.Helm.template;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.examples.ExamplesTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The conventions of the charts people already run (external-secrets, cert-manager): aggregated
 * ClusterRoles for namespace users, standard and common labels, extra env and volumes, spreading
 * replicas, schema refusals of unsafe combinations.
 */
class ChartConventionsTest {
  static final String AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final Set<String> ALL_VERBS = Set.of("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection");

  /** Every optional object of the chart turned on, so that label checks see every template. */
  static final String[] EVERYTHING = {
      "--set", "replicaCount=2", "--set", "podDisruptionBudget.enabled=true",
      "--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.prometheusRule.enabled=true",
      "--set", "metrics.grafanaDashboard.enabled=true", "--set", "webhook.certManager.enabled=true"};

  static boolean aggregated(HasMetadata o) {
    return o.getMetadata().getLabels() != null && o.getMetadata().getLabels().keySet().stream().anyMatch(k -> k.startsWith(AGGREGATE));
  }

  @Test
  void aggregatedClusterRolesLetNamespaceAdminsAndEditorsManageAndViewersReadRegistryCredentials() {
    List<HasMetadata> objects = template();
    List<ClusterRole> agg = all(objects, ClusterRole.class).stream().filter(ChartConventionsTest::aggregated).toList();
    assertThat(agg).extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder(FULLNAME + "-view", FULLNAME + "-edit", FULLNAME + "-cluster-view");
    for (ClusterRole r : agg) {
      r.getMetadata().getLabels().forEach((k, v) -> {
        if (k.startsWith(AGGREGATE)) {
          assertThat(v).as(k).isEqualTo("true");
        }
      });
      // Only (Cluster)RegistryCredentials: no Secrets, nothing the operator itself needs.
      assertThat(r.getRules()).allSatisfy(rule -> {
        assertThat(rule.getApiGroups()).containsExactly("pullsecrets.io");
        assertThat(rule.getResources()).allMatch(res -> res.startsWith("registrycredentials") || res.startsWith("clusterregistrycredentials"));
      });
    }
    assertThat(verbsOnRegistryCredentials(agg, "admin")).isEqualTo(ALL_VERBS);
    assertThat(verbsOnRegistryCredentials(agg, "edit")).isEqualTo(ALL_VERBS);
    assertThat(verbsOnRegistryCredentials(agg, "view")).containsExactlyInAnyOrder("get", "list", "watch");
    // ClusterRegistryCredentials: viewers read them, and nothing is aggregated into edit or admin
    // (creating one targets any namespace: that stays with whom the cluster's own RBAC allows).
    assertThat(verbsOn(agg, "view", "clusterregistrycredentials")).containsExactlyInAnyOrder("get", "list", "watch");
    assertThat(verbsOn(agg, "view", "clusterregistrycredentials/status")).containsExactlyInAnyOrder("get", "list", "watch");
    assertThat(verbsOn(agg, "edit", "clusterregistrycredentials")).isEmpty();
    assertThat(verbsOn(agg, "admin", "clusterregistrycredentials")).isEmpty();
    // The status subresource is readable by every user role and writable by none.
    assertThat(agg).flatExtracting(ClusterRole::getRules).filteredOn(rule -> rule.getResources().contains("registrycredentials/status"))
        .allSatisfy(rule -> assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch"));
    // Bound to no one: aggregation is what grants them.
    assertThat(all(objects, io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding.class))
        .noneMatch(b -> b.getRoleRef().getName().endsWith("-view") || b.getRoleRef().getName().endsWith("-edit"));

    // Namespaced mode too (ClusterRoles for people, whatever the operator's own rights are).
    assertThat(all(template("--set", "installMode=namespaced", "--set", "operator.watchNamespaces={a}"), ClusterRole.class))
        .filteredOn(ChartConventionsTest::aggregated).hasSize(3);
    // Off.
    assertThat(template("--set", "rbac.aggregateRoles=false")).noneMatch(ChartConventionsTest::aggregated);
    assertThat(template("--set", "rbac.create=false")).noneMatch(ChartConventionsTest::aggregated);
  }

  /** The verbs on registrycredentials that the built-in ClusterRole {@code role} gets by aggregation. */
  private static Set<String> verbsOnRegistryCredentials(List<ClusterRole> roles, String role) {
    return verbsOn(roles, role, "registrycredentials");
  }

  /** The verbs on {@code resource} that the built-in ClusterRole {@code role} gets by aggregation. */
  private static Set<String> verbsOn(List<ClusterRole> roles, String role, String resource) {
    Set<String> verbs = new TreeSet<>();
    for (ClusterRole r : roles) {
      if ("true".equals(r.getMetadata().getLabels().get(AGGREGATE + role))) {
        for (PolicyRule rule : r.getRules()) {
          if (rule.getResources().contains(resource)) {
            verbs.addAll(rule.getVerbs());
          }
        }
      }
    }
    return verbs;
  }

  @Test
  void everyObjectCarriesManagedByHelmAndTheCommonLabels() {
    for (String[] extra : List.of(new String[0], EVERYTHING,
        new String[] {"--set", "installMode=namespaced", "--set", "operator.watchNamespaces={a,b}"})) {
      List<String> args = new ArrayList<>(List.of(extra));
      args.addAll(List.of("--set", "commonLabels.team=platform", "--set", "commonLabels.cost-center=cc-42"));
      List<HasMetadata> objects = template(args.toArray(String[]::new));
      assertThat(objects).hasSizeGreaterThan(8);
      for (HasMetadata o : objects) {
        assertThat(o.getMetadata().getLabels()).as("%s %s", o.getKind(), o.getMetadata().getName())
            .containsEntry("app.kubernetes.io/managed-by", "Helm")
            .containsEntry("team", "platform").containsEntry("cost-center", "cc-42")
            .containsEntry("app.kubernetes.io/instance", Helm.RELEASE);
      }
      Deployment d = one(objects, Deployment.class, FULLNAME);
      assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("team", "platform")
          .containsEntry("app.kubernetes.io/managed-by", "Helm");
      // The selector stays the two stable labels (a Deployment's selector is immutable).
      assertThat(d.getSpec().getSelector().getMatchLabels()).containsOnlyKeys("app.kubernetes.io/name", "app.kubernetes.io/instance");
    }
    // EVERYTHING really renders every optional template.
    assertThat(template(EVERYTHING)).extracting(HasMetadata::getKind)
        .contains("PodDisruptionBudget", "ServiceMonitor", "PrometheusRule", "ConfigMap", "Certificate", "Issuer");
  }

  @Test
  void extraEnvVolumesAndMountsAreRendered() {
    List<HasMetadata> objects = template(
        "--set", "extraEnv[0].name=HTTPS_PROXY", "--set", "extraEnv[0].value=http://proxy.internal:3128",
        "--set", "extraEnv[1].name=AWS_REGION", "--set", "extraEnv[1].valueFrom.configMapKeyRef.name=cloud",
        "--set", "extraEnv[1].valueFrom.configMapKeyRef.key=region",
        "--set", "operator.extraEnv[0].name=LEGACY", "--set", "operator.extraEnv[0].value=kept",
        "--set", "extraVolumes[0].name=private-ca", "--set", "extraVolumes[0].secret.secretName=corp-truststore",
        "--set", "extraVolumeMounts[0].name=private-ca", "--set", "extraVolumeMounts[0].mountPath=/etc/pki/corp",
        "--set", "extraVolumeMounts[0].readOnly=true",
        "--set", "operator.javaOptions=-Djavax.net.ssl.trustStore=/etc/pki/corp/truststore.p12");
    PodSpec pod = one(objects, Deployment.class, FULLNAME).getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);
    assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("HTTPS_PROXY")).singleElement()
        .extracting(EnvVar::getValue).isEqualTo("http://proxy.internal:3128");
    assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("AWS_REGION")).singleElement()
        .satisfies(e -> assertThat(e.getValueFrom().getConfigMapKeyRef().getKey()).isEqualTo("region"));
    assertThat(c.getEnv()).extracting(EnvVar::getName).contains("LEGACY", "PULLSECRET_NAMESPACE", "JAVA_OPTS_APPEND");
    assertThat(pod.getVolumes()).anySatisfy(v -> {
      assertThat(v.getName()).isEqualTo("private-ca");
      assertThat(v.getSecret().getSecretName()).isEqualTo("corp-truststore");
    }).anySatisfy(v -> assertThat(v.getName()).isEqualTo("tmp"));
    assertThat(c.getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getName()).isEqualTo("private-ca");
      assertThat(m.getMountPath()).isEqualTo("/etc/pki/corp");
      assertThat(m.getReadOnly()).isTrue();
    }).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    ChartTest.assertRestricted(pod);

    // Defaults: none of them, and 10 old ReplicaSets (the Kubernetes default, said explicitly).
    Deployment d = one(template(), Deployment.class, FULLNAME);
    assertThat(d.getSpec().getRevisionHistoryLimit()).isEqualTo(10);
    assertThat(d.getSpec().getTemplate().getSpec().getVolumes()).extracting(v -> v.getName()).containsExactly("tmp");
    assertThat(one(template("--set", "revisionHistoryLimit=3"), Deployment.class, FULLNAME).getSpec().getRevisionHistoryLimit()).isEqualTo(3);
  }

  @Test
  void replicasAreSpreadOverNodesOnlyWhenThereIsMoreThanOne() {
    assertThat(podSpec(template()).getAffinity()).as("one replica: nothing to spread").isNull();
    assertThat(podSpec(template("--set", "replicaCount=1", "--set", "operator.leaderElection=true")).getAffinity()).isNull();

    PodSpec two = podSpec(template("--set", "replicaCount=2"));
    List<WeightedPodAffinityTerm> preferred = two.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
    assertThat(two.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
        .as("preferred only: a one-node cluster still runs both").isNullOrEmpty();
    assertThat(preferred).singleElement().satisfies(t -> {
      assertThat(t.getWeight()).isEqualTo(100);
      assertThat(t.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
      assertThat(t.getPodAffinityTerm().getLabelSelector().getMatchLabels()).isEqualTo(Map.of(
          "app.kubernetes.io/name", "pullsecret-operator", "app.kubernetes.io/instance", Helm.RELEASE));
    });
    assertThat(two.getTopologySpreadConstraints()).isNullOrEmpty();

    // The affinity value replaces the default.
    PodSpec own = podSpec(template("--set", "replicaCount=2",
        "--set", "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key=pool",
        "--set", "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator=Exists"));
    assertThat(own.getAffinity().getPodAntiAffinity()).isNull();
    assertThat(own.getAffinity().getNodeAffinity()).isNotNull();

    // Topology spread constraints replace it too; their labelSelector defaults to this release's pods.
    PodSpec spread = podSpec(template("--set", "replicaCount=3",
        "--set", "topologySpreadConstraints[0].maxSkew=1", "--set", "topologySpreadConstraints[0].topologyKey=topology.kubernetes.io/zone",
        "--set", "topologySpreadConstraints[0].whenUnsatisfiable=ScheduleAnyway",
        "--set", "topologySpreadConstraints[1].maxSkew=1", "--set", "topologySpreadConstraints[1].topologyKey=kubernetes.io/hostname",
        "--set", "topologySpreadConstraints[1].whenUnsatisfiable=DoNotSchedule",
        "--set", "topologySpreadConstraints[1].labelSelector.matchLabels.mine=yes"));
    assertThat(spread.getAffinity()).isNull();
    List<TopologySpreadConstraint> tsc = spread.getTopologySpreadConstraints();
    assertThat(tsc).hasSize(2);
    assertThat(tsc.get(0).getTopologyKey()).isEqualTo("topology.kubernetes.io/zone");
    assertThat(tsc.get(0).getLabelSelector().getMatchLabels()).containsEntry("app.kubernetes.io/instance", Helm.RELEASE);
    assertThat(tsc.get(1).getLabelSelector().getMatchLabels()).isEqualTo(Map.of("mine", "yes"));
  }

  @Test
  void schemaRefusesSeveralReplicasWithoutLeaderElectionAndABudgetForOneReplica() {
    assertRefused(List.of("--set", "replicaCount=2", "--set", "operator.leaderElection=false"),
        "at '/replicaCount': maximum: got 2, want 1", "at '/operator/leaderElection': value must be one of 'auto', 'true', true");
    assertRefused(List.of("--set", "replicaCount=3", "--set", "operator.leaderElection=\"false\""),
        "at '/replicaCount': maximum: got 3, want 1", "at '/operator/leaderElection': value must be one of");
    assertRefused(List.of("--set", "podDisruptionBudget.enabled=true"),
        "at '/replicaCount': minimum: got 1, want 2", "at '/podDisruptionBudget/enabled': value must be false");
    // Without the schema (--skip-schema-validation), the templates say it in a sentence.
    assertRefused(List.of("--skip-schema-validation", "--set", "replicaCount=2", "--set", "operator.leaderElection=false"),
        "replicaCount > 1 needs leader election", "set operator.leaderElection to auto or true, or replicaCount to 1");
    assertRefused(List.of("--skip-schema-validation", "--set", "podDisruptionBudget.enabled=true"),
        "podDisruptionBudget.enabled needs replicaCount >= 2", "blocks every node drain");

    // The safe combinations pass.
    template("--set", "replicaCount=2", "--set", "operator.leaderElection=true", "--set", "podDisruptionBudget.enabled=true");
    template("--set", "replicaCount=2", "--set", "podDisruptionBudget.enabled=true");
    template("--set", "replicaCount=1", "--set", "operator.leaderElection=false");
    template("--set", "replicaCount=0");
  }

  private static void assertRefused(List<String> values, String... messages) {
    List<String> args = new ArrayList<>(List.of("template", Helm.RELEASE, Helm.CHART.toString()));
    args.addAll(values);
    Helm.Result r = Helm.run(args);
    assertThat(r.exitCode()).as("helm template %s should fail", values).isNotZero();
    assertThat(r.stderr()).as("helm template %s", values).contains(messages);
  }

  @Test
  void artifactHubAnnotationsParseAndMatchTheExamplesAndTheImage() throws Exception {
    JsonNode chart = YAML.readTree(Helm.CHART.resolve("Chart.yaml").toFile());
    JsonNode annotations = chart.path("annotations");
    assertThat(annotations.path("artifacthub.io/license").asText()).isEqualTo("Apache-2.0");
    assertThat(Files.readString(Path.of("LICENSE"))).contains("Apache License", "Version 2.0, January 2004",
        "END OF TERMS AND CONDITIONS", "APPENDIX: How to apply the Apache License to your work.");
    assertThat(annotations.path("artifacthub.io/operator").asText()).isEqualTo("true");

    // images: the image the chart runs by default.
    JsonNode images = YAML.readTree(annotations.path("artifacthub.io/images").asText());
    String image = one(template(), Deployment.class, FULLNAME).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    assertThat(images).singleElement().satisfies(i -> {
      assertThat(i.path("name").asText()).isEqualTo("pullsecret-operator");
      assertThat(i.path("image").asText()).isEqualTo(image).endsWith(":" + chart.path("appVersion").asText());
    });

    // crds: the CRD's kind and served version.
    JsonNode crd = YAML.readTree(Path.of("crds/registrycredentials.pullsecrets.io-v1.yml").toFile());
    JsonNode crds = YAML.readTree(annotations.path("artifacthub.io/crds").asText());
    assertThat(crds).singleElement().satisfies(c -> {
      assertThat(c.path("kind").asText()).isEqualTo(crd.at("/spec/names/kind").asText());
      assertThat(c.path("version").asText()).isEqualTo(crd.at("/spec/versions/0/name").asText());
      assertThat(c.path("name").asText()).isEqualTo(crd.at("/metadata/name").asText());
    });

    // crdsExamples: valid RegistryCredentials, the static example and a cloud one, equal to examples/.
    JsonNode examples = YAML.readTree(annotations.path("artifacthub.io/crdsExamples").asText());
    assertThat(examples).hasSize(2);
    List<String> providers = new ArrayList<>();
    for (JsonNode example : examples) {
      String yaml = YAML.writeValueAsString(example);
      RegistryCredential rc = ExamplesTest.strictParse(yaml);
      assertThat(rc.getApiVersion()).isEqualTo("pullsecrets.io/v1alpha1");
      assertThat(rc.getKind()).isEqualTo("RegistryCredential");
      assertThat(ExamplesTest.checkAgainstCrd(yaml).problems).as(yaml).isEmpty();
      providers.addAll(rc.getSpec().getProvider().configured());
      Path file = Path.of("examples", rc.getMetadata().getName() + ".yaml");
      if (rc.getMetadata().getName().equals("ghcr")) {
        file = Path.of("examples/static.yaml");
      }
      assertThat(example).as("the Chart.yaml example equals %s", file).isEqualTo(YAML.readTree(file.toFile()));
    }
    assertThat(providers).contains("static").anyMatch(p -> Set.of("ecr", "gcp", "azure").contains(p));

    // kubeVersion: the tested control plane (v1.35.4) satisfies it.
    assertThat(chart.path("kubeVersion").asText()).isEqualTo(">=1.25.0-0");
    Helm.Result r = Helm.run(List.of("template", Helm.RELEASE, Helm.CHART.toString(), "--kube-version", "v1.35.4"));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    Helm.Result old = Helm.run(List.of("template", Helm.RELEASE, Helm.CHART.toString(), "--kube-version", "v1.24.0"));
    assertThat(old.exitCode()).isNotZero();
    assertThat(old.stderr()).contains("kubeVersion");
  }

  private static PodSpec podSpec(List<HasMetadata> objects) {
    return one(objects, Deployment.class, FULLNAME).getSpec().getTemplate().getSpec();
  }
}
