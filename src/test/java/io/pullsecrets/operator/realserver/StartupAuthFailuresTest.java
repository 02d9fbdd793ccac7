package io.pullsecrets.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.startup.StartupOutput;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.OnRealControlPlane;
import io.pullsecrets.operator.testing.OperatorProcess;
import io.pullsecrets.operator.testing.RealApiServer;
import io.pullsecrets.operator.testing.SecretScan;
import java.nio.file.Path;
import java.util.HashMap;
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
      String line = StartupOutput.assertFailsWithOneLine(op, "rejected the credentials of kubeconfig user \"test-user\"",
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
      String line = StartupOutput.assertFailsWithOneLine(op, "forbids kubeconfig user \"test-user\"", "context \"test-context\"",
          "403", "system:serviceaccount:" + NS + ":nobody", "registrycredentials", "ClusterRole");
      assertThat(line).doesNotContain(token);
    }
  }

  private Path kubeconfig(String token) throws Exception {
    return StartupOutput.kubeconfig(api.controlPlane.server, api.controlPlane.dir.resolve("pki/ca.crt"), token);
  }

  private static Map<String, String> env(Path kubeconfig) {
    Map<String, String> env = new HashMap<>();
    env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    env.put("KUBERNETES_SERVICE_HOST", null);
    return env;
  }
}
