package io.pullsecrets.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.OnRealControlPlane;
import io.pullsecrets.operator.testing.OperatorProcess;
import io.pullsecrets.operator.testing.RealApiServer;
import io.pullsecrets.operator.testing.SecretScan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 401 and 403 at start-up, on the real API server: exit code != 0 and one ERROR line naming the
 * identity (the kubeconfig user and context, and for 403 the user the server names), without a
 * stack trace and without the token.
 */
@OnRealControlPlane
class StartupAuthFailuresTest {
  private static final String NS = "startup-auth";
  @RegisterExtension final Closer closer = new Closer();
  private RealApiServer api;

  @BeforeEach
  void up() {
    api = closer.add(new RealApiServer());
  }

  @Test
  void bogusTokenIs401NamingTheKubeconfigUserAndContext() throws Exception {
    String token = "bogus-startup-token-9d2e7a";
    SecretScan.register(token);
    try (OperatorProcess op = OperatorProcess.start(env(kubeconfig(token)), "--http-port=0")) {
      String line = assertFailsWithOneLine(op, "rejected the credentials of kubeconfig user \"test-user\"",
          "context \"test-context\"", "401", api.controlPlane.server);
      assertThat(line).doesNotContain(token);
    }
  }

  @Test
  void serviceAccountWithoutRbacIs403NamingTheServerSaysUser() throws Exception {
    KubernetesClient admin = api.client();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    admin.serviceAccounts().inNamespace(NS).resource(new ServiceAccountBuilder().withNewMetadata().withName("nobody")
        .endMetadata().build()).create();
    String token = admin.serviceAccounts().inNamespace(NS).withName("nobody").tokenRequest(new TokenRequestBuilder()
        .withNewSpec().withExpirationSeconds(600L).endSpec().build()).getStatus().getToken();
    SecretScan.register(token);
    try (OperatorProcess op = OperatorProcess.start(env(kubeconfig(token)), "--http-port=0")) {
      String line = assertFailsWithOneLine(op, "forbids kubeconfig user \"test-user\"", "context \"test-context\"",
          "403", "system:serviceaccount:" + NS + ":nobody", "registrycredentials", "ClusterRole");
      assertThat(line).doesNotContain(token);
    }
  }

  private Path kubeconfig(String token) throws Exception {
    Path file = Files.createTempFile(Path.of("target"), "startup-auth", ".yaml");
    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: test-cluster
          cluster: {server: "%s", certificate-authority: "%s"}
        users:
        - name: test-user
          user: {token: "%s"}
        contexts:
        - name: test-context
          context: {cluster: test-cluster, user: test-user}
        current-context: test-context
        """.formatted(api.controlPlane.server, api.controlPlane.dir.resolve("pki/ca.crt").toAbsolutePath(), token));
    return file;
  }

  private static Map<String, String> env(Path kubeconfig) {
    Map<String, String> env = new HashMap<>();
    env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    env.put("KUBERNETES_SERVICE_HOST", null);
    return env;
  }

  /** Exit code != 0, one ERROR line containing {@code expected}, no stack trace; returns the line. */
  private static String assertFailsWithOneLine(OperatorProcess op, String... expected) {
    int code = op.exitCode(Duration.ofSeconds(90));
    String out = op.logText();
    assertThat(code).as("exit code; output:%n%s", out).isNotZero();
    List<String> errors = out.lines().filter(l -> l.contains(" ERROR ")).toList();
    assertThat(errors).as("ERROR lines; output:%n%s", out).hasSize(1);
    assertThat(errors.get(0)).contains(expected).doesNotContain("null: null");
    assertThat(out).as("no stack trace; output:%n%s", out)
        .doesNotContainPattern("(?m)^\\s+at \\S+\\(").doesNotContain("Caused by").doesNotContain("Exception");
    return errors.get(0);
  }
}
