package io.pullsecrets.operator.chart;

import static io.pullsecrets.operator.chart.Helm.all;
import static io.pullsecrets.operator.chart.Helm.one;
import static io.pullsecrets.operator.chart.Helm.template;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.pullsecrets.operator.Main;
import io.pullsecrets.operator.config.OperatorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Helm chart, rendered by {@code helm template} and linted by {@code helm lint}. */
class ChartTest {
  static final String FULLNAME = "pullsecret-operator";
  static final String CI_VALUES = "helm/pullsecret-operator/ci/namespaced-ha-values.yaml";

  @Test
  void deploymentPassesTheRestrictedPodSecurityStandardAndProbesTheHealthEndpoints() {
    List<HasMetadata> objects = template();
    Deployment d = one(objects, Deployment.class, FULLNAME);
    assertThat(d.getMetadata().getNamespace()).isEqualTo(Helm.NAMESPACE);
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    assertRestricted(pod);
    assertThat(pod.getServiceAccountName()).isEqualTo(FULLNAME);
    assertThat(d.getSpec().getReplicas()).isEqualTo(1);
    assertThat(d.getSpec().getStrategy().getType()).as("no Lease with one replica: never two at once").isEqualTo("Recreate");

    Container c = pod.getContainers().get(0);
    assertThat(c.getPorts()).filteredOn(p -> !p.getName().equals("webhook") && !p.getName().equals("metrics")).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("http");
      assertThat(p.getContainerPort()).isEqualTo(8080);
    });
    assertProbe(c.getLivenessProbe(), "/healthz");
    assertProbe(c.getReadinessProbe(), "/readyz");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKeys("cpu", "memory");
    assertThat(c.getImage()).isEqualTo("ghcr.io/pullsecrets/pullsecret-operator:0.1.0");

    Map<String, String> env = env(c);
    assertThat(env).containsEntry("PULLSECRET_TRUSTED_NAMESPACES", Helm.NAMESPACE)
        .containsEntry("PULLSECRET_WATCH_NAMESPACES", "")
        .containsEntry("PULLSECRET_HTTP_PORT", "8080")
        .containsEntry("PULLSECRET_LEADER_ELECTION", "false")
        .containsEntry("PULLSECRET_LOG_LEVEL", "info")
        .containsEntry("PULLSECRET_LOG_FORMAT", "text")
        .containsEntry("PULLSECRET_ALLOWED_ENDPOINT_HOSTS", "");
    // Every PULLSECRET_ variable the chart sets is one the operator reads.
    Set<String> known = java.util.Arrays.stream(OperatorConfig.Setting.values()).map(s -> s.env).collect(Collectors.toSet());
    assertThat(known).containsAll(env.keySet().stream().filter(k -> k.startsWith("PULLSECRET_")).toList());
    assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("PULLSECRET_NAMESPACE")).singleElement()
        .satisfies(e -> assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace"));
  }

  @Test
  void deletingPodsIsGrantedOnlyWithRbacHealPods() {
    assertThat(verbsByResource(one(template(), ClusterRole.class, FULLNAME).getRules()).get("/pods")).isEqualTo(Set.of("get"));
    assertThat(verbsByResource(one(template("--set", "rbac.healPods=true"), ClusterRole.class, FULLNAME).getRules()).get("/pods"))
        .isEqualTo(Set.of("get", "delete"));
    List<HasMetadata> namespaced = template("--set", "rbac.healPods=true", "--set", "installMode=namespaced",
        "--set", "operator.watchNamespaces={team-a}");
    assertThat(all(namespaced, Role.class).stream().map(r -> verbsByResource(r.getRules()).get("/pods")).filter(v -> v != null))
        .isNotEmpty().allSatisfy(v -> assertThat(v).isEqualTo(Set.of("get", "delete")));
  }

  @Test
  void clusterRoleGrantsOnlyTheVerbsTheOperatorUses() {
    List<HasMetadata> objects = template();
    ClusterRole role = one(objects, ClusterRole.class, FULLNAME);
    Map<String, Set<String>> verbs = verbsByResource(role.getRules());
    assertThat(verbs).isEqualTo(Map.of(
        "pullsecrets.io/registrycredentials", Set.of("get", "list", "watch", "patch"),
        "pullsecrets.io/registrycredentials/status", Set.of("patch"),
        "pullsecrets.io/clusterregistrycredentials", Set.of("get", "list", "watch", "patch"),
        "pullsecrets.io/clusterregistrycredentials/status", Set.of("patch"),
        "/secrets", Set.of("get", "list", "watch", "create", "update", "delete"),
        "/serviceaccounts", Set.of("get", "list", "watch", "patch"),
        "/serviceaccounts/token", Set.of("create"),
        "/events", Set.of("create", "list", "watch"),
        "/pods", Set.of("get"),
        "/namespaces", Set.of("list", "watch")));
    // With watched namespaces the operator does not serve ClusterRegistryCredentials, nor may it read them.
    assertThat(verbsByResource(one(template("--set", "operator.watchNamespaces={team-a}"), ClusterRole.class, FULLNAME).getRules()))
        .doesNotContainKeys("pullsecrets.io/clusterregistrycredentials", "pullsecrets.io/clusterregistrycredentials/status");
    for (PolicyRule r : role.getRules()) {
      assertThat(r.getVerbs()).doesNotContain("*");
      assertThat(r.getResources()).doesNotContain("*");
      assertThat(r.getApiGroups()).doesNotContain("*");
    }
    ClusterRoleBinding binding = one(objects, ClusterRoleBinding.class, FULLNAME);
    assertThat(binding.getRoleRef().getName()).isEqualTo(FULLNAME);
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getName()).isEqualTo(FULLNAME);
      assertThat(s.getNamespace()).isEqualTo(Helm.NAMESPACE);
    });

    // The Lease: a Role in the operator's namespace, get/update/patch limited to its name.
    Role lease = one(objects, Role.class, FULLNAME + "-leader-election");
    assertThat(lease.getMetadata().getNamespace()).isEqualTo(Helm.NAMESPACE);
    assertThat(lease.getRules()).allSatisfy(r -> {
      assertThat(r.getApiGroups()).containsExactly("coordination.k8s.io");
      assertThat(r.getResources()).containsExactly("leases");
    });
    assertThat(lease.getRules()).anySatisfy(r -> {
      assertThat(r.getResourceNames()).containsExactly(Main.LEASE_NAME);
      assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "update", "patch");
    });
    assertThat(lease.getRules()).anySatisfy(r -> {
      assertThat(r.getResourceNames()).isNullOrEmpty();
      assertThat(r.getVerbs()).containsExactly("create");
    });
    assertThat(one(objects, RoleBinding.class, FULLNAME + "-leader-election").getSubjects().get(0).getName()).isEqualTo(FULLNAME);
    // Nothing namespaced-mode in cluster mode: the Lease's Role and the webhook certificate's.
    assertThat(all(objects, Role.class)).extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder(FULLNAME + "-leader-election", FULLNAME + "-webhook");
  }

  @Test
  void webhookIsSafeByDefaultAndGetsOnlyItsOwnSecretAndConfiguration() {
    List<HasMetadata> objects = template();
    MutatingWebhookConfiguration mwc = one(objects, MutatingWebhookConfiguration.class, FULLNAME);
    assertThat(mwc.getMetadata().getAnnotations()).isNullOrEmpty();
    MutatingWebhook hook = mwc.getWebhooks().get(0);
    assertThat(hook.getFailurePolicy()).isEqualTo("Ignore");
    assertThat(hook.getSideEffects()).isEqualTo("None");
    assertThat(hook.getReinvocationPolicy()).isEqualTo("IfNeeded");
    assertThat(hook.getTimeoutSeconds()).isEqualTo(3);
    assertThat(hook.getAdmissionReviewVersions()).containsExactly("v1");
    assertThat(hook.getClientConfig().getService().getName()).isEqualTo(FULLNAME + "-webhook");
    assertThat(hook.getClientConfig().getService().getNamespace()).isEqualTo(Helm.NAMESPACE);
    assertThat(hook.getClientConfig().getService().getPath()).isEqualTo("/mutate-pods");
    assertThat(hook.getClientConfig().getService().getPort()).isEqualTo(443);
    assertThat(hook.getClientConfig().getCaBundle()).as("set by the operator, not by the chart").isNull();
    assertThat(hook.getRules()).singleElement().satisfies(r -> {
      assertThat(r.getOperations()).containsExactly("CREATE");
      assertThat(r.getResources()).containsExactly("pods");
    });
    assertThat(hook.getNamespaceSelector().getMatchExpressions()).anySatisfy(e -> {
      assertThat(e.getKey()).isEqualTo("kubernetes.io/metadata.name");
      assertThat(e.getOperator()).isEqualTo("NotIn");
      assertThat(e.getValues()).containsExactly("kube-system", Helm.NAMESPACE);
    }).anySatisfy(e -> {
      assertThat(e.getKey()).isEqualTo("pullsecrets.io/inject");
      assertThat(e.getValues()).containsExactly("false");
    });
    assertThat(hook.getObjectSelector().getMatchExpressions()).singleElement().satisfies(e -> {
      assertThat(e.getKey()).isEqualTo("pullsecrets.io/inject");
      assertThat(e.getOperator()).isEqualTo("NotIn");
      assertThat(e.getValues()).containsExactly("false");
    });

    Deployment d = one(objects, Deployment.class, FULLNAME);
    Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(env(c)).containsEntry("PULLSECRET_WEBHOOK_ENABLED", "true").containsEntry("PULLSECRET_WEBHOOK_PORT", "9443")
        .containsEntry("PULLSECRET_WEBHOOK_SECRET", FULLNAME + "-webhook-tls")
        .containsEntry("PULLSECRET_WEBHOOK_CONFIGURATION", FULLNAME).containsEntry("PULLSECRET_WEBHOOK_SERVICE", FULLNAME + "-webhook")
        .doesNotContainKey("PULLSECRET_WEBHOOK_CERT_DIR");
    // The defaults of the operator match what the chart sets.
    OperatorConfig.Webhook dflt = OperatorConfig.Webhook.DISABLED;
    assertThat(List.of(dflt.port(), dflt.secretName(), dflt.configurationName(), dflt.serviceName()))
        .containsExactly(9443, FULLNAME + "-webhook-tls", FULLNAME, FULLNAME + "-webhook");
    assertThat(c.getPorts()).anySatisfy(p -> {
      assertThat(p.getName()).isEqualTo("webhook");
      assertThat(p.getContainerPort()).isEqualTo(9443);
    });

    Role secretRole = one(objects, Role.class, FULLNAME + "-webhook");
    assertThat(secretRole.getMetadata().getNamespace()).isEqualTo(Helm.NAMESPACE);
    assertThat(secretRole.getRules()).anySatisfy(r -> {
      assertThat(r.getResources()).containsExactly("secrets");
      assertThat(r.getResourceNames()).containsExactly(FULLNAME + "-webhook-tls");
      assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "update");
    });
    ClusterRole mwcRole = one(objects, ClusterRole.class, FULLNAME + "-webhook");
    assertThat(mwcRole.getRules()).singleElement().satisfies(r -> {
      assertThat(r.getResources()).containsExactly("mutatingwebhookconfigurations");
      assertThat(r.getResourceNames()).containsExactly(FULLNAME);
      assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "patch");
    });

    // Off: no webhook objects, no rights for them, the operator told so.
    List<HasMetadata> off = template("--set", "webhook.enabled=false", "--set", "metrics.secure=false");
    assertThat(off).noneMatch(o -> o.getKind().equals("MutatingWebhookConfiguration") || o.getMetadata().getName().endsWith("-webhook"));
    // Off, with authenticated metrics: only the serving certificate's Secret stays the operator's.
    List<HasMetadata> offSecure = template("--set", "webhook.enabled=false");
    assertThat(offSecure).filteredOn(o -> o.getKind().equals("MutatingWebhookConfiguration") || o.getMetadata().getName().endsWith("-webhook"))
        .extracting(HasMetadata::getKind).containsExactlyInAnyOrder("Role", "RoleBinding");
    assertThat(env(one(off, Deployment.class, FULLNAME).getSpec().getTemplate().getSpec().getContainers().get(0)))
        .containsEntry("PULLSECRET_WEBHOOK_ENABLED", "false").doesNotContainKey("PULLSECRET_WEBHOOK_PORT");

    // cert-manager: a Certificate (PKCS#8 key the operator reads from the mounted Secret) and the CA injected by cert-manager.
    List<HasMetadata> cm = template("--set", "webhook.certManager.enabled=true");
    MutatingWebhookConfiguration cmMwc = one(cm, MutatingWebhookConfiguration.class, FULLNAME);
    assertThat(cmMwc.getMetadata().getAnnotations()).containsEntry("cert-manager.io/inject-ca-from", Helm.NAMESPACE + "/" + FULLNAME + "-webhook");
    GenericKubernetesResource cert = all(cm, GenericKubernetesResource.class).stream()
        .filter(o -> o.getKind().equals("Certificate")).findFirst().orElseThrow();
    assertThat(cert.getAdditionalProperties().get("spec").toString()).contains("secretName=" + FULLNAME + "-webhook-tls", "encoding=PKCS8",
        FULLNAME + "-webhook." + Helm.NAMESPACE + ".svc");
    assertThat(env(one(cm, Deployment.class, FULLNAME).getSpec().getTemplate().getSpec().getContainers().get(0)))
        .containsEntry("PULLSECRET_WEBHOOK_CERT_DIR", "/tls");
    assertThat(cm).noneMatch(o -> o instanceof Role && o.getMetadata().getName().equals(FULLNAME + "-webhook"));
  }

  @Test
  void crdCopyInTheChartIsIdenticalToTheGeneratedOne() throws IOException {
    for (String file : List.of("registrycredentials.pullsecrets.io-v1.yml", "clusterregistrycredentials.pullsecrets.io-v1.yml")) {
      assertThat(Files.mismatch(Path.of("crds", file), Helm.CHART.resolve("crds").resolve(file)))
          .as("helm/pullsecret-operator/crds/%s differs from crds/: run hack/update-crds.sh", file)
          .isEqualTo(-1L);
    }
    try (var files = Files.list(Helm.CHART.resolve("crds"))) {
      assertThat(files.map(p -> p.getFileName().toString()).toList())
          .containsExactlyInAnyOrderElementsOf(Files.list(Path.of("crds")).map(p -> p.getFileName().toString()).toList());
    }
    List<HasMetadata> withCrds = template("--include-crds");
    assertThat(all(withCrds, CustomResourceDefinition.class)).map(crd -> crd.getMetadata().getName())
        .containsExactlyInAnyOrder("registrycredentials.pullsecrets.io", "clusterregistrycredentials.pullsecrets.io");
  }

  @Test
  void deployManifestsAreTheChartRenderedWithDefaults() throws IOException {
    String helm = Helm.binary();
    ProcessBuilder pb = new ProcessBuilder("bash", "deploy/render.sh", "--stdout");
    pb.environment().put("HELM", helm);
    pb.redirectErrorStream(false);
    Process p = pb.start();
    String rendered = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    try {
      assertThat(p.waitFor()).isZero();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    assertThat(Files.readString(Path.of("deploy/pullsecret-operator.yaml")))
        .as("deploy/pullsecret-operator.yaml drifted from the chart: run deploy/render.sh")
        .isEqualTo(rendered);
    List<HasMetadata> objects = Helm.parse(rendered);
    assertThat(objects).extracting(HasMetadata::getKind)
        .contains("Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
            "RoleBinding", "Service", "Deployment");
  }

  @Test
  void valuesSchemaRejectsBadValues() {
    for (List<String> bad : List.of(
        List.of("--set", "operator.logFormat=xml"),
        List.of("--set", "operator.logLevel=verbose"),
        List.of("--set", "replicaCount=-1"),
        List.of("--set", "operator.leaderElection=sometimes"),
        List.of("--set", "operator.watchNamespaces[0]=Not_A_Namespace"),
        List.of("--set", "operator.httpPort=80"),
        List.of("--set", "operator.allowedEndpointHosts[0]=https://sts.example.com"),
        List.of("--set", "installMode=namespaced"),
        List.of("--set", "unknownValue=1"),
        List.of("--set", "metrics.prometheusRule.tokenExpiryThreshold=soon"))) {
      List<String> args = new java.util.ArrayList<>(List.of("template", Helm.RELEASE, Helm.CHART.toString()));
      args.addAll(bad);
      Helm.Result r = Helm.run(args);
      assertThat(r.exitCode()).as("helm template %s should fail", bad).isNotZero();
      assertThat(r.stderr()).as("error for %s", bad).contains("schema");
    }
  }

  @Test
  void helmLintPassesWithDefaultAndNonDefaultValues() {
    Helm.Result defaults = Helm.run(List.of("lint", "--strict", Helm.CHART.toString()));
    assertThat(defaults.exitCode()).as(defaults.stdout() + defaults.stderr()).isZero();
    Helm.Result custom = Helm.run(List.of("lint", "--strict", Helm.CHART.toString(), "-f", CI_VALUES));
    assertThat(custom.exitCode()).as(custom.stdout() + custom.stderr()).isZero();
  }

  @Test
  void namespacedHaInstallUsesRolesLeaderElectionAndMonitoring() {
    List<HasMetadata> objects = template("-f", CI_VALUES);
    // Roles in each watched namespace; the only ClusterRole reads namespaces.
    List<Role> roles = all(objects, Role.class).stream().filter(r -> r.getMetadata().getName().equals(FULLNAME)).toList();
    assertThat(roles).extracting(r -> r.getMetadata().getNamespace()).containsExactlyInAnyOrder("pullsecret-system", "team-a", "team-b");
    assertThat(all(objects, RoleBinding.class)).hasSize(5);
    assertThat(all(objects, ClusterRole.class).stream().filter(cr -> !cr.getMetadata().getName().equals(FULLNAME + "-webhook"))
        .filter(cr -> !cr.getMetadata().getName().startsWith(FULLNAME + "-metrics-"))
        .filter(cr -> !ChartConventionsTest.aggregated(cr))).singleElement().satisfies(cr -> {
      assertThat(cr.getMetadata().getName()).isEqualTo(FULLNAME + "-namespace-reader");
      assertThat(verbsByResource(cr.getRules())).isEqualTo(Map.of("/namespaces", Set.of("list", "watch")));
    });
    assertThat(verbsByResource(roles.get(0).getRules())).containsEntry("/secrets", Set.of("get", "list", "watch", "create", "update", "delete"));

    Deployment d = one(objects, Deployment.class, FULLNAME);
    assertRestricted(d.getSpec().getTemplate().getSpec());
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    assertThat(d.getSpec().getStrategy()).isNull();
    Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(env(c)).containsEntry("PULLSECRET_LEADER_ELECTION", "true")
        .containsEntry("PULLSECRET_WATCH_NAMESPACES", "pullsecret-system,team-a,team-b")
        .containsEntry("PULLSECRET_TRUSTED_NAMESPACES", "pullsecret-system,platform")
        .containsEntry("PULLSECRET_ALLOWED_ENDPOINT_HOSTS", "sts.private.example.com,acr-proxy.internal:8443")
        .containsEntry("PULLSECRET_LOG_FORMAT", "json")
        .containsEntry("PULLSECRET_LOG_LEVEL", "debug")
        .containsEntry("JAVA_OPTS_APPEND", "-XX:+ExitOnOutOfMemoryError")
        .containsEntry("AWS_REGION", "eu-west-1");
    assertThat(c.getImage()).contains("@sha256:");
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("azure.workload.identity/use", "true");
    assertThat(one(objects, ServiceAccount.class, FULLNAME).getMetadata().getAnnotations())
        .containsEntry("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/pullsecret-operator");

    assertThat(one(objects, PodDisruptionBudget.class, FULLNAME).getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    GenericKubernetesResource sm = (GenericKubernetesResource) objects.stream().filter(o -> o.getKind().equals("ServiceMonitor")).findFirst().orElseThrow();
    assertThat(sm.getMetadata().getLabels()).containsEntry("release", "prometheus");
    GenericKubernetesResource rule = (GenericKubernetesResource) objects.stream().filter(o -> o.getKind().equals("PrometheusRule")).findFirst().orElseThrow();
    String rules = io.fabric8.kubernetes.client.utils.Serialization.asYaml(rule.getAdditionalProperties().get("spec"));
    assertThat(rules).contains("PullSecretTokenExpiring", "pullsecret_token_expiry_timestamp_seconds - time()) < 5400",
        "PullSecretRefreshFailing", "pullsecret_last_refresh_success == 0",
        "PullSecretNamespacesFailing", "pullsecret_namespaces_failed > 0");
  }

  @Test
  void metricsAreServedOverHttpsToAuthorizedTokensByDefault() {
    List<HasMetadata> objects = template("--set", "metrics.serviceMonitor.enabled=true");
    Container c = one(objects, Deployment.class, FULLNAME).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(env(c)).containsEntry("PULLSECRET_METRICS_SECURE", "true").containsEntry("PULLSECRET_METRICS_PORT", "8443")
        .containsEntry("PULLSECRET_METRICS_SERVICE", FULLNAME + "-metrics");
    // The operator's defaults name the chart's Service.
    assertThat(OperatorConfig.Metrics.PLAIN.serviceName()).isEqualTo(FULLNAME + "-metrics");
    assertThat(c.getPorts()).anySatisfy(p -> {
      assertThat(p.getName()).isEqualTo("metrics");
      assertThat(p.getContainerPort()).isEqualTo(8443);
    });
    // Probes stay on the plain HTTP port: the kubelet sends no token.
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    io.fabric8.kubernetes.api.model.Service svc = one(objects, io.fabric8.kubernetes.api.model.Service.class, FULLNAME + "-metrics");
    assertThat(svc.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("https");
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("metrics");
    });
    // The operator may review tokens; scrapers get a role to bind.
    ClusterRole auth = one(objects, ClusterRole.class, FULLNAME + "-metrics-auth");
    assertThat(verbsByResource(auth.getRules())).isEqualTo(Map.of(
        "authentication.k8s.io/tokenreviews", Set.of("create"), "authorization.k8s.io/subjectaccessreviews", Set.of("create")));
    assertThat(one(objects, ClusterRoleBinding.class, FULLNAME + "-metrics-auth").getSubjects()).singleElement()
        .satisfies(s -> assertThat(s.getName()).isEqualTo(FULLNAME));
    ClusterRole reader = one(objects, ClusterRole.class, FULLNAME + "-metrics-reader");
    assertThat(reader.getRules()).singleElement().satisfies(r -> {
      assertThat(r.getNonResourceURLs()).containsExactly("/metrics");
      assertThat(r.getVerbs()).containsExactly("get");
    });
    assertThat(all(objects, ClusterRoleBinding.class)).noneMatch(b -> b.getMetadata().getName().equals(FULLNAME + "-metrics-reader"));
    String sm = serviceMonitorEndpoint(objects);
    assertThat(sm).contains("port: https", "scheme: https", "bearerTokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token",
        "serverName: " + FULLNAME + "-metrics." + Helm.NAMESPACE + ".svc", "name: " + FULLNAME + "-webhook-tls", "key: ca-bundle.crt")
        .doesNotContain("insecureSkipVerify");
    assertThat(serviceMonitorEndpoint(template("--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.serviceMonitor.insecureSkipVerify=true")))
        .contains("insecureSkipVerify: true").doesNotContain("ca-bundle.crt");
    // A reader binding on request.
    List<HasMetadata> bound = template("--set", "metrics.readerSubjects[0].kind=ServiceAccount", "--set", "metrics.readerSubjects[0].name=prometheus",
        "--set", "metrics.readerSubjects[0].namespace=monitoring");
    assertThat(one(bound, ClusterRoleBinding.class, FULLNAME + "-metrics-reader").getSubjects()).singleElement()
        .satisfies(s -> assertThat(s.getNamespace() + "/" + s.getName()).isEqualTo("monitoring/prometheus"));
    // cert-manager: the certificate names the metrics Service too.
    GenericKubernetesResource cert = (GenericKubernetesResource) template("--set", "webhook.certManager.enabled=true").stream()
        .filter(o -> o.getKind().equals("Certificate")).findFirst().orElseThrow();
    assertThat(io.fabric8.kubernetes.client.utils.Serialization.asYaml(cert.getAdditionalProperties().get("spec")))
        .contains(FULLNAME + "-metrics." + Helm.NAMESPACE + ".svc", FULLNAME + "-webhook." + Helm.NAMESPACE + ".svc");
  }

  @Test
  void plainMetricsAreAnOptIn() {
    List<HasMetadata> objects = template("--set", "metrics.secure=false", "--set", "metrics.serviceMonitor.enabled=true");
    Container c = one(objects, Deployment.class, FULLNAME).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(env(c)).containsEntry("PULLSECRET_METRICS_SECURE", "false").doesNotContainKey("PULLSECRET_METRICS_PORT");
    assertThat(c.getPorts()).noneMatch(p -> p.getName().equals("metrics"));
    assertThat(one(objects, io.fabric8.kubernetes.api.model.Service.class, FULLNAME + "-metrics").getSpec().getPorts()).singleElement()
        .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
    assertThat(all(objects, ClusterRole.class)).noneMatch(r -> r.getMetadata().getName().startsWith(FULLNAME + "-metrics-"));
    assertThat(serviceMonitorEndpoint(objects)).contains("port: http").doesNotContain("https", "bearerTokenFile");
  }

  @Test
  void networkPolicyIsOptionalOpensTheWebhookToAllAndMetricsToSelectedNamespaces() {
    assertThat(template()).noneMatch(o -> o.getKind().equals("NetworkPolicy"));
    List<HasMetadata> objects = template("--set", "networkPolicy.enabled=true");
    io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy np =
        one(objects, io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class, FULLNAME);
    assertThat(np.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(np.getSpec().getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/instance", Helm.RELEASE);
    assertThat(np.getSpec().getIngress()).hasSize(2);
    assertThat(np.getSpec().getIngress().get(0).getFrom()).as("the webhook: from anywhere").isEmpty();
    assertThat(np.getSpec().getIngress().get(0).getPorts()).extracting(p -> p.getPort().getStrVal()).containsExactly("webhook");
    assertThat(np.getSpec().getIngress().get(1).getFrom()).singleElement().satisfies(f ->
        assertThat(f.getNamespaceSelector().getMatchLabels()).containsEntry("kubernetes.io/metadata.name", "monitoring"));
    assertThat(np.getSpec().getIngress().get(1).getPorts()).extracting(p -> p.getPort().getStrVal()).containsExactly("http", "metrics");
    // The named ports exist on the pod.
    Container c = one(objects, Deployment.class, FULLNAME).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getPorts()).extracting(io.fabric8.kubernetes.api.model.ContainerPort::getName).contains("http", "webhook", "metrics");
  }

  private static String serviceMonitorEndpoint(List<HasMetadata> objects) {
    GenericKubernetesResource sm = (GenericKubernetesResource) objects.stream().filter(o -> o.getKind().equals("ServiceMonitor")).findFirst().orElseThrow();
    return io.fabric8.kubernetes.client.utils.Serialization.asYaml(sm.getAdditionalProperties().get("spec")).replace("\"", "");
  }

  @Test
  void leaderElectionFollowsReplicasUnlessSetExplicitly() {
    assertThat(leaderElection(template("--set", "replicaCount=3"))).isEqualTo("true");
    assertThat(leaderElection(template("--set", "operator.leaderElection=false"))).isEqualTo("false");
    assertThat(leaderElection(template("--set", "operator.leaderElection=true"))).isEqualTo("true");
  }

  private static String leaderElection(List<HasMetadata> objects) {
    return env(one(objects, Deployment.class, FULLNAME).getSpec().getTemplate().getSpec().getContainers().get(0))
        .get("PULLSECRET_LEADER_ELECTION");
  }

  /** The restricted Pod Security Standard's checks, as the pod and its containers set them. */
  static void assertRestricted(PodSpec pod) {
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostIPC()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getHostPath()).isNull());
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    for (Container c : pod.getContainers()) {
      var sc = c.getSecurityContext();
      assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
      assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
      assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
      assertThat(sc.getRunAsNonRoot()).isTrue();
      assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
      assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
      assertThat(c.getPorts()).allSatisfy(p -> assertThat(p.getHostPort()).isNull());
    }
  }

  private static void assertProbe(Probe probe, String path) {
    assertThat(probe).isNotNull();
    assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
    assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(probe.getPeriodSeconds()).isPositive();
    assertThat(probe.getTimeoutSeconds()).isPositive();
    assertThat(probe.getFailureThreshold()).isPositive();
  }

  private static Map<String, String> env(Container c) {
    Map<String, String> env = new TreeMap<>();
    for (EnvVar e : c.getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      } else if (e.getValueFrom() == null) {
        env.put(e.getName(), "");
      }
    }
    return env;
  }

  /** "group/resource" -> verbs, over all rules. */
  static Map<String, Set<String>> verbsByResource(List<PolicyRule> rules) {
    Map<String, Set<String>> verbs = new TreeMap<>();
    for (PolicyRule r : rules) {
      for (String g : r.getApiGroups()) {
        for (String res : r.getResources()) {
          verbs.computeIfAbsent(g + "/" + res, k -> new TreeSet<>()).addAll(r.getVerbs());
        }
      }
    }
    return verbs;
  }
}
