package io.pullsecrets.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.Cli;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorProcess;
import io.pullsecrets.operator.testing.RealApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chart installed into the real control plane, then the operator run locally as the chart's
 * ServiceAccount (a kubeconfig holding a TokenRequest token of it, not cluster-admin): every
 * request it makes is authorized by the server against the chart's RBAC, so a missing permission
 * fails the scenario. Once with the default (cluster) install mode, once namespaced.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class HelmInstallTest {
  static final String NS = "pullsecret-system";
  static final String RELEASE = "helm-test";
  static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension final Closer closer = new Closer();
  RealApiServer api;
  KubernetesClient client;
  Path admin;

  @BeforeEach
  void setUp() {
    api = closer.add(new RealApiServer());
    client = api.client();
    admin = api.controlPlane.kubeconfig;
    closer.add(() -> Cli.helm(admin, "uninstall", RELEASE, "-n", NS, "--wait=false"));
    // The namespace as deploy/ renders it: the restricted Pod Security Standard enforced.
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS)
        .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
        .addToLabels("pod-security.kubernetes.io/warn", "restricted").endMetadata().build()).create();
  }

  @Test
  void installedChartRunsTheOperatorWithItsOwnClusterRbac() throws Exception {
    Fixtures.namespace(client, "platform", Map.of());
    Fixtures.namespace(client, "team-a", Map.of());
    // The suite applied the CRD from crds/ (the chart's copy is the same file, see ChartTest):
    // Helm 4 refuses to take over a CRD applied by another field manager, as the README says.
    Cli.helm(admin, "install", RELEASE, "helm/pullsecret-operator", "-n", NS, "--skip-crds",
        "--set", "operator.trustedNamespaces={pullsecret-system,platform}").ok();
    String sa = admittedDeploymentServiceAccount();

    try (OperatorProcess op = runAs(sa, "--namespace=" + NS, "--trusted-namespaces=pullsecret-system,platform", "--http-port=0")) {
      scenario(op, "platform", "team-a");
    }
  }

  @Test
  void namespacedInstallRunsTheOperatorWithOnlyItsRoles() throws Exception {
    Fixtures.namespace(client, "team-a", Map.of());
    Fixtures.namespace(client, "team-b", Map.of());
    Cli.helm(admin, "install", RELEASE, "helm/pullsecret-operator", "-n", NS, "--skip-crds",
        "--set", "installMode=namespaced", "--set", "operator.watchNamespaces={pullsecret-system,team-a}").ok();
    String sa = admittedDeploymentServiceAccount();

    try (OperatorProcess op = runAs(sa, "--namespace=" + NS, "--watch-namespaces=pullsecret-system,team-a", "--http-port=0")) {
      scenario(op, NS, "team-a");
      // A namespace outside the watched set is not touched (and the chart gives no rights there).
      assertThat(client.secrets().inNamespace("team-b").withName("robot").get()).isNull();
    }
  }

  /** The chart's Deployment, admitted, and its pods created under the restricted standard. */
  private String admittedDeploymentServiceAccount() {
    Deployment d = client.apps().deployments().inNamespace(NS).list().getItems().stream()
        .filter(x -> x.getMetadata().getName().startsWith(RELEASE)).findFirst().orElseThrow();
    // No kubelet runs the pods here; the controller manager creating them proves that the pod
    // template passes the namespace's enforced Pod Security Standard.
    await().atMost(WAIT).until(() -> client.pods().inNamespace(NS).list().getItems().stream()
        .filter(p -> p.getMetadata().getName().startsWith(d.getMetadata().getName())).count() == d.getSpec().getReplicas());
    return d.getSpec().getTemplate().getSpec().getServiceAccountName();
  }

  /** The operator in a child JVM with a kubeconfig holding a short-lived token of {@code sa}. */
  private OperatorProcess runAs(String sa, String... flags) throws Exception {
    TokenRequest tr = client.serviceAccounts().inNamespace(NS).withName(sa).tokenRequest(new TokenRequestBuilder()
        .withNewSpec().withExpirationSeconds(3600L).endSpec().build());
    String token = tr.getStatus().getToken();
    Path kubeconfig = Files.createTempFile(Path.of("target"), "sa-kubeconfig", ".yaml");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster: {server: "%s", certificate-authority: "%s"}
        users:
        - name: operator
          user: {token: "%s"}
        contexts:
        - name: local
          context: {cluster: local, user: operator}
        current-context: local
        """.formatted(api.controlPlane.server, api.controlPlane.dir.resolve("pki/ca.crt"), token));
    return closer.add(OperatorProcess.start(kubeconfig, flags));
  }

  private void scenario(OperatorProcess op, String home, String target) {
    Fixtures.loginSecret(client, home, "robot", "robot", "helm-scenario-password");
    RegistryCredential rc = CredentialBuilder.staticLogin(home, "robot", "registry.example.com", "robot")
        .targets(List.of(target)).build();
    client.resource(rc).create();

    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(op.alive()).as("operator process alive; log:\n%s", op.logText()).isTrue();
      RegistryCredential now = client.resources(RegistryCredential.class).inNamespace(home).withName("robot").get();
      assertThat(now.getStatus()).as("status; log:\n%s", op.logText()).isNotNull();
      assertThat(now.getStatus().getConditions()).anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    });
    assertThat(client.secrets().inNamespace(target).withName("robot").get()).isNotNull();
    await().atMost(WAIT).until(() -> client.serviceAccounts().inNamespace(target).withName("default").get()
        .getImagePullSecrets().stream().anyMatch(r -> r.getName().equals("robot")));

    // Delete: the finalizer runs with the same rights.
    client.resources(RegistryCredential.class).inNamespace(home).withName("robot").delete();
    await().atMost(WAIT).until(() -> client.resources(RegistryCredential.class).inNamespace(home).withName("robot").get() == null);
    assertThat(client.secrets().inNamespace(target).withName("robot").get()).isNull();
    assertThat(op.logText()).doesNotContain("Forbidden").doesNotContain("forbidden");
  }
}
