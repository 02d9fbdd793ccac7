package io.pullsecrets.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.testing.Cli;
import io.pullsecrets.operator.testing.OperatorProcess;
import io.pullsecrets.operator.testing.RealApiServer;
import io.pullsecrets.operator.testing.SecretScan;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The README's "Try it without a cluster" section, step by step, with kubectl against the real
 * control plane's admin kubeconfig (the suite's own {@code hack/control-plane.sh up}), and the
 * operator's main class run as {@code java -jar} runs it.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class TryItWithoutAClusterTest {
  @Test
  void theReadmeStepsEndInReadyTrueAndAPatchedServiceAccount() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    assertThat(readme).contains("## Try it without a cluster", "hack/control-plane.sh up /tmp/pullsecret-try",
        "kubectl apply -f crds/", "kubectl create namespace team-a",
        "kubectl -n team-a create secret generic ghcr-login --from-literal=username=my-bot --from-literal=password=try-it-token",
        "kubectl apply -f examples/static.yaml",
        "java -jar target/pullsecret-operator.jar",
        "kubectl -n team-a wait regcred/ghcr --for=condition=Ready",
        "hack/control-plane.sh down /tmp/pullsecret-try");
    SecretScan.register("try-it-token");

    try (RealApiServer api = new RealApiServer()) {
      Path kubeconfig = api.controlPlane.kubeconfig;
      Cli.kubectl(kubeconfig, "apply", "-f", "crds/").ok();
      Cli.kubectl(kubeconfig, "create", "namespace", "team-a").ok();
      Cli.kubectl(kubeconfig, "-n", "team-a", "create", "secret", "generic", "ghcr-login",
          "--from-literal=username=my-bot", "--from-literal=password=try-it-token").ok();
      Cli.kubectl(kubeconfig, "apply", "-f", "examples/static.yaml").ok();
      try (OperatorProcess op = OperatorProcess.start(kubeconfig, "--http-port=0")) {
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
      }
    }
  }
}
