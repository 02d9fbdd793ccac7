package io.pullsecrets.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.testing.Cli;
import io.pullsecrets.operator.testing.Node;
import io.pullsecrets.operator.testing.OperatorProcess;
import io.pullsecrets.operator.testing.RealApiServer;
import io.pullsecrets.operator.testing.SecretScan;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's "Try it without a cluster" section, step by step, with kubectl against the real
 * control plane's admin kubeconfig (the suite's own {@code hack/control-plane.sh up}), and the
 * operator's main class run as {@code java -jar} runs it; then, on the suite's real node
 * ({@code hack/node.sh up}), the steps that end with a pod pulling a private image (skipped where
 * the node cannot run, unless PULLSECRET_REQUIRE_NODE=true).
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class TryItWithoutAClusterTest {
  @Test
  void theReadmeStepsEndInReadyTrueAndAPatchedServiceAccount() throws Exception {
    readme();
    SecretScan.register("try-it-token");
    try (RealApiServer api = new RealApiServer()) {
      controlPlaneSteps(api.controlPlane.kubeconfig).close();
    }
  }

  @Test
  void theReadmeStepsEndInAPodPullingAPrivateImage() throws Exception {
    String readme = readme();
    assertThat(readme).contains("hack/node.sh build", "sudo hack/node.sh up /tmp/pullsecret-try",
        "IMAGE=$(sudo hack/node.sh push /tmp/pullsecret-try team-a/hello:1)",
        "htpasswd -Bbn my-bot try-it-token | sudo tee /tmp/pullsecret-try/registry/htpasswd",
        "static: {registry: \"${IMAGE%%/*}\", secretRef: {name: ghcr-login}}", "secretName: local-pull",
        "kubectl -n team-a wait regcred/local --for=condition=Ready",
        "kubectl -n team-a run hello --image=\"$IMAGE\"",
        "kubectl -n team-a wait pod/hello --for=condition=Ready",
        "sudo hack/node.sh down /tmp/pullsecret-try");
    SecretScan.register("try-it-token");
    Node node = Node.get();
    try (RealApiServer api = new RealApiServer()) {
      Path kubeconfig = api.controlPlane.kubeconfig;
      try (OperatorProcess op = controlPlaneSteps(kubeconfig)) {
        String image = node.push("team-a/hello:1");
        assertThat(image).isEqualTo(node.registry + "/team-a/hello:1");
        node.accounts(Map.of("my-bot", "try-it-token"));
        String registry = image.substring(0, image.indexOf('/'));
        Cli.kubectlStdin(kubeconfig, """
            apiVersion: pullsecrets.io/v1alpha1
            kind: RegistryCredential
            metadata: {name: local, namespace: team-a}
            spec:
              provider:
                static: {registry: "%s", secretRef: {name: ghcr-login}}
              secretName: local-pull
            """.formatted(registry), "apply", "-f", "-").ok();
        Cli.kubectl(kubeconfig, "-n", "team-a", "wait", "regcred/local", "--for=condition=Ready", "--timeout=60s").ok();
        Cli.kubectl(kubeconfig, "-n", "team-a", "run", "hello", "--image=" + image).ok();
        Cli.kubectl(kubeconfig, "-n", "team-a", "wait", "pod/hello", "--for=condition=Ready", "--timeout=60s").ok();
        assertThat(Node.pullEvents(api.client(), "team-a", "hello"))
            .anyMatch(e -> e.startsWith("Pulled: Successfully pulled image \"" + image + "\""));
        assertThat(Cli.kubectl(kubeconfig, "-n", "team-a", "get", "pod", "hello", "-o", "jsonpath={.spec.imagePullSecrets}").ok().stdout())
            .contains("\"local-pull\"");
      } finally {
        Node.deletePods(api.client());
      }
    }
  }

  static String readme() throws Exception {
    String readme = Files.readString(Path.of("docs/getting-started.md"));
    assertThat(readme).contains("## Try it without a cluster", "hack/control-plane.sh up /tmp/pullsecret-try",
        "kubectl apply -f crds/", "kubectl create namespace team-a",
        "kubectl -n team-a create secret generic ghcr-login --from-literal=username=my-bot --from-literal=password=try-it-token",
        "kubectl apply -f examples/static.yaml",
        "java -jar target/pullsecret-operator.jar",
        "kubectl -n team-a wait regcred/ghcr --for=condition=Ready",
        "hack/control-plane.sh down /tmp/pullsecret-try");
    return readme;
  }

  /** The steps up to the patched ServiceAccount; returns the running operator. */
  static OperatorProcess controlPlaneSteps(Path kubeconfig) throws Exception {
    Cli.kubectl(kubeconfig, "apply", "-f", "crds/").ok();
    Cli.kubectl(kubeconfig, "create", "namespace", "team-a").ok();
    Cli.kubectl(kubeconfig, "-n", "team-a", "create", "secret", "generic", "ghcr-login",
        "--from-literal=username=my-bot", "--from-literal=password=try-it-token").ok();
    Cli.kubectl(kubeconfig, "apply", "-f", "examples/static.yaml").ok();
    OperatorProcess op = OperatorProcess.start(kubeconfig, "--http-port=0");
    try {
      Cli.kubectl(kubeconfig, "-n", "team-a", "wait", "regcred/ghcr", "--for=condition=Ready", "--timeout=60s").ok();
      String table = Cli.kubectl(kubeconfig, "-n", "team-a", "get", "regcred").ok().stdout();
      assertThat(table.lines().skip(1).findFirst().orElseThrow()).contains("ghcr").contains("True").contains("1/1").contains("static");

      String encoded = Cli.kubectl(kubeconfig, "-n", "team-a", "get", "secret", "ghcr-pull",
          "-o", "jsonpath={.data.\\.dockerconfigjson}").ok().stdout();
      String json = new String(Base64.getDecoder().decode(encoded.trim()), StandardCharsets.UTF_8);
      assertThat(json).contains("\"ghcr.io\"").contains("\"username\":\"my-bot\"");
      String pullSecrets = Cli.kubectl(kubeconfig, "-n", "team-a", "get", "serviceaccount", "default",
          "-o", "jsonpath={.imagePullSecrets}").ok().stdout();
      assertThat(pullSecrets).isEqualTo("[{\"name\":\"ghcr-pull\"}]");
      return op;
    } catch (Exception | AssertionError e) {
      op.close();
      throw e;
    }
  }
}
