package io.pullsecrets.operator.k3s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.Main;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The operator against a real API server (K3s in Docker), with RBAC enforced: the CRD from crds/,
 * the ServiceAccount and RBAC from the chart's default rendering (deploy/pullsecret-operator.yaml,
 * which a chart test keeps identical to {@code helm template}), and an operator client that
 * impersonates the chart's service account. Skipped where no Docker engine runs, unless
 * PULLSECRET_REQUIRE_DOCKER=true (the GitHub workflow's K3s job), where it fails instead.
 */
@org.junit.jupiter.api.extension.ExtendWith(K3sClusterTest.DockerAvailable.class)
@Testcontainers
class K3sClusterTest {
  /** Runs the class where a Docker engine answers, or where one is required; skips it otherwise. */
  static final class DockerAvailable implements org.junit.jupiter.api.extension.ExecutionCondition {
    @Override
    public org.junit.jupiter.api.extension.ConditionEvaluationResult evaluateExecutionCondition(
        org.junit.jupiter.api.extension.ExtensionContext context) {
      if (Boolean.parseBoolean(System.getenv("PULLSECRET_REQUIRE_DOCKER"))
          || org.testcontainers.DockerClientFactory.instance().isDockerAvailable()) {
        return org.junit.jupiter.api.extension.ConditionEvaluationResult.enabled("Docker is available or required");
      }
      return org.junit.jupiter.api.extension.ConditionEvaluationResult.disabled(
          "no Docker engine (the GitHub workflow's K3s job runs it with PULLSECRET_REQUIRE_DOCKER=true)");
    }
  }

  static final String OPS = "pullsecret-system";
  static final String SA = "pullsecret-operator";
  static final Duration WAIT = Duration.ofSeconds(90);

  @Container
  static final K3sContainer K3S = new K3sContainer(DockerImageName.parse(
      System.getenv().getOrDefault("PULLSECRET_K3S_IMAGE", "rancher/k3s:v1.31.4-k3s1")).asCompatibleSubstituteFor("rancher/k3s"));

  @Test
  void staticCredentialIsReplicatedPatchedReportedAndCleanedUpUnderTheChartsRbac() throws Exception {
    Config admin = Config.fromKubeconfig(K3S.getKubeConfigYaml());
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(admin).build()) {
      // The CRDs, then the chart's Namespace, ServiceAccount and RBAC (not its Deployment).
      for (String file : java.util.List.of("registrycredentials.pullsecrets.io-v1.yml", "clusterregistrycredentials.pullsecrets.io-v1.yml")) {
        CustomResourceDefinition crd = client.getKubernetesSerialization().unmarshal(
            Files.readString(Path.of("crds", file)), CustomResourceDefinition.class);
        client.resource(crd).serverSideApply();
        client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
            .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions().stream()
                .anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True")), 60, java.util.concurrent.TimeUnit.SECONDS);
      }
      KubernetesSerialization ser = new KubernetesSerialization();
      String deploy = Files.readString(Path.of("deploy/pullsecret-operator.yaml"));
      for (String doc : deploy.split("(?m)^---\\s*$")) {
        if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
          continue;
        }
        HasMetadata o = (HasMetadata) ser.unmarshal(doc);
        if (Set.of("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding").contains(o.getKind())) {
          client.resource(o).createOr(op -> op.update());
        }
      }
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-a").endMetadata().build()).create();
      await().atMost(WAIT).until(() -> client.serviceAccounts().inNamespace("team-a").withName("default").get() != null);
      Fixtures.loginSecret(client, OPS, "robot", "robot$ci", "s3cret-k3s-1");

      // The operator, as the chart's service account.
      Config asOperator = new ConfigBuilder(admin)
          .withImpersonateUsername("system:serviceaccount:" + OPS + ":" + SA)
          .withImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + OPS, "system:authenticated")
          .build();
      try (KubernetesClient operatorClient = new KubernetesClientBuilder().withConfig(asOperator).build()) {
        // RBAC is really enforced: the operator may not read, say, pods.
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> operatorClient.pods().inNamespace(OPS).list()))
            .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));

        OperatorConfig config = new OperatorConfig(OPS, Set.of(OPS), Set.of(), 0, true, "info", "text");
        try (Main.Running running = Main.create(operatorClient, config, PullSecretOperator.Options.defaults(operatorClient),
            new Main.Launch("k3s-test", Main.LeaseTimings.DEFAULT, () -> {})).start()) {
          RegistryCredential rc = CredentialBuilder.staticLogin(OPS, "robot", "registry.example.com", "robot")
              .targets(List.of("team-a")).build();
          rc.setStatus(null);
          client.resource(rc).create();

          await().atMost(WAIT).until(() -> ready(client));
          Secret s = client.secrets().inNamespace("team-a").withName("robot").get();
          assertThat(s.getType()).isEqualTo("kubernetes.io/dockerconfigjson");
          assertThat(s.getMetadata().getLabels()).containsEntry(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
          assertThat(Fixtures.dockerConfigJson(s)).contains("registry.example.com");
          assertThat(client.serviceAccounts().inNamespace("team-a").withName("default").get().getImagePullSecrets())
              .extracting(LocalObjectReference::getName).contains("robot");
          assertThat(client.leases().inNamespace(OPS).withName(Main.LEASE_NAME).get().getSpec().getHolderIdentity()).isEqualTo("k3s-test");

          // Cleanup on delete.
          client.resource(rc).delete();
          await().atMost(WAIT).until(() -> client.resources(RegistryCredential.class).inNamespace(OPS).withName("robot").get() == null);
          assertThat(client.secrets().inNamespace("team-a").withName("robot").get()).isNull();
          ServiceAccount sa = client.serviceAccounts().inNamespace("team-a").withName("default").get();
          assertThat(sa.getImagePullSecrets() == null ? List.<String>of()
              : sa.getImagePullSecrets().stream().map(LocalObjectReference::getName).toList()).doesNotContain("robot");
        }
      }
    }
  }

  private static boolean ready(KubernetesClient client) {
    RegistryCredential rc = client.resources(RegistryCredential.class).inNamespace(OPS).withName("robot").get();
    return rc != null && rc.getStatus() != null && rc.getStatus().getConditions() != null
        && rc.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

}
