package io.pullsecrets.operator.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.testing.Cli;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.ControlPlane;
import io.pullsecrets.operator.testing.Node;
import io.pullsecrets.operator.testing.OnRealNode;
import io.pullsecrets.operator.testing.OperatorImage;
import io.pullsecrets.operator.testing.RealApiServer;
import io.pullsecrets.operator.testing.SecretScan;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The "Quick start on kind" of docs/getting-started.md, read from the page and run with bash
 * against the real control plane and node (as their cluster-admin, with the kubectl and helm of
 * {@code .ci/bin}). Every command runs as written, but for those that need Docker, kind or GHCR,
 * each replaced by what does the same here:
 * <ul>
 *   <li>{@code kind create cluster} and {@code kind delete cluster}: the node is the cluster;
 *   <li>the GHCR login and push of the private image: the node's busybox image pushed to the node's
 *       registry, whose only pulling account is {@code $GHCR_USER} / {@code $GHCR_TOKEN};
 *   <li>{@code mvn ... jib:dockerBuild}: the same Jib definition built by {@code hack/image.sh};
 *   <li>{@code kind load docker-image}: that image imported into the node's containerd under the
 *       same name ({@code docker.io/library/pullsecret-operator:dev}), as kind loads it.
 * </ul>
 * {@code ghcr.io} is replaced by the node registry's address everywhere else. The page's other
 * lines run unchanged, and the test fails when one of the lines it replaces changed (the page and
 * the test cannot drift apart). Then it checks what the page promises: READY True, Synced, 1/1,
 * the Secret's type, the ServiceAccount's entry, and the pod pulled and Ready.
 */
@OnRealNode
class KindQuickStartOnNodeTest {
  static final Path PAGE = Path.of("docs/getting-started.md");
  static final String SECTION = "## Quick start on kind";
  /** The node's containerd (hack/node.sh). */
  static final String CONTAINERD = "/run/pullsecret-node/containerd.sock";
  /** The chart's CRDs by name, and their files in crds/. */
  static final Map<String, java.nio.file.Path> CRDS = Map.of("registrycredentials.pullsecrets.io", ControlPlane.CRD,
      "clusterregistrycredentials.pullsecrets.io", ControlPlane.CLUSTER_CRD);

  @RegisterExtension final Closer closer = new Closer();

  /** The quick start's bash block: the first fenced {@code bash} block of its section. */
  static String block() throws Exception {
    String page = Files.readString(PAGE, StandardCharsets.UTF_8);
    int section = page.indexOf("\n" + SECTION + "\n");
    assertThat(section).as(SECTION + " in " + PAGE).isPositive();
    int start = page.indexOf("```bash\n", section);
    int next = page.indexOf("\n## ", section + 1);
    assertThat(start).as("a bash block in " + SECTION).isPositive().isLessThan(next < 0 ? page.length() : next);
    start += "```bash\n".length();
    return page.substring(start, page.indexOf("\n```", start) + 1);
  }

  /**
   * The block with each line that needs Docker, kind or GHCR replaced (each must be there exactly
   * once), {@code ghcr.io} replaced by {@code registry}, and {@code set -euo pipefail} first.
   */
  static String script(String block, Map<String, String> replaced, String registry) {
    List<String> out = new ArrayList<>(List.of("set -euo pipefail"));
    Map<String, Integer> seen = new LinkedHashMap<>();
    replaced.keySet().forEach(k -> seen.put(k, 0));
    for (String line : block.split("\n", -1)) {
      String command = line.replaceAll("\\s+#.*$", "").trim();
      if (replaced.containsKey(command)) {
        seen.merge(command, 1, Integer::sum);
        out.add(replaced.get(command));
      } else {
        out.add(line.replace("ghcr.io", registry));
      }
    }
    assertThat(seen).as("the lines of %s (%s) that the test replaces, each found once", SECTION, PAGE)
        .allSatisfy((line, count) -> assertThat(count).as(line).isEqualTo(1));
    return String.join("\n", out);
  }

  @Test
  void theKindQuickStartRunsOnTheNodeAndThePodPullsThePrivateImage() throws Exception {
    String block = block();
    Node node = Node.get();
    RealApiServer api = closer.add(new RealApiServer());
    KubernetesClient client = api.client();
    Path admin = api.controlPlane.kubeconfig;
    closer.add(() -> {
      Cli.helm(admin, "uninstall", "pullsecret-operator", "-n", "pullsecret-system", "--wait=false");
      Node.deletePods(client);
    });
    // The page's release is named pullsecret-operator, like the ClusterRole and its binding the
    // suite keeps for the operator run on the host (from deploy/): Helm would refuse to take them
    // over. They go for this test; the next test's RealApiServer applies them again.
    for (HasMetadata o : ControlPlane.deployObjects(client, "ClusterRole", "ClusterRoleBinding")) {
      client.resource(o).delete();
    }
    // On kind, helm install creates the CRDs. Here the suite applied them first, and Helm's
    // server-side apply of the chart's copy over an existing CRD conflicts on .spec.versions
    // (with any earlier manager): the CRDs go, as on a fresh cluster (no RegistryCredential is
    // left once RealApiServer removed the namespaces), and come back after the test if the page's
    // helm install did not make them again.
    var crds = client.apiextensions().v1().customResourceDefinitions();
    for (Map.Entry<String, java.nio.file.Path> crd : CRDS.entrySet()) {
      closer.add(() -> {
        if (crds.withName(crd.getKey()).get() == null) {
          node.controlPlane.installCrd(crd.getValue());
        }
      });
      crds.withName(crd.getKey()).delete();
      crds.withName(crd.getKey()).waitUntilCondition(java.util.Objects::isNull, 60, TimeUnit.SECONDS);
    }

    String user = "quickstart";
    String token = "quickstart-token-" + Long.toHexString(System.nanoTime());
    SecretScan.register(token);
    node.accounts(Map.of("operator-pull", "operator-pull-password", user, token));
    String image = OperatorImage.get(node, "dev");
    String app = node.push(user + "/pullsecret-quickstart:1");
    assertThat(app).isEqualTo(node.registry + "/" + user + "/pullsecret-quickstart:1");

    String ctr = "ctr --address " + CONTAINERD + " -n k8s.io images";
    Map<String, String> replaced = new LinkedHashMap<>();
    replaced.put("kind create cluster --name pullsecrets", "# here: the node's cluster");
    replaced.put("export GHCR_USER=<your GitHub user> GHCR_TOKEN=<a classic token with read:packages and write:packages>",
        "export GHCR_USER=" + user + " GHCR_TOKEN=" + token);
    replaced.put("echo \"$GHCR_TOKEN\" | docker login ghcr.io -u \"$GHCR_USER\" --password-stdin", "# here: no Docker");
    replaced.put("docker pull busybox:1.37 && docker tag busybox:1.37 \"ghcr.io/$GHCR_USER/pullsecret-quickstart:1\"",
        "# here: pushed by hack/node.sh push");
    replaced.put("docker push \"ghcr.io/$GHCR_USER/pullsecret-quickstart:1\"", "# here: " + app);
    replaced.put("mvn -B -DskipTests package jib:dockerBuild -Djib.to.image=pullsecret-operator:dev", "# here: built by hack/image.sh: " + image);
    replaced.put("kind load docker-image pullsecret-operator:dev --name pullsecrets",
        ctr + " pull --plain-http --user operator-pull:operator-pull-password " + image + " >/dev/null && { " + ctr
            + " rm docker.io/library/pullsecret-operator:dev >/dev/null 2>&1 || true; } && " + ctr + " tag " + image
            + " docker.io/library/pullsecret-operator:dev");
    replaced.put("kind delete cluster --name pullsecrets", "# here: removed by the test");
    String script = script(block, replaced, node.registry);

    ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true);
    pb.environment().put("KUBECONFIG", admin.toString());
    pb.environment().put("PATH", Path.of(".ci/bin").toAbsolutePath() + ":" + System.getenv("PATH"));
    Path log = Files.createTempFile("kind-quick-start", ".log");
    closer.add(() -> Files.deleteIfExists(log));
    Process p = pb.redirectOutput(log.toFile()).start();
    boolean finished = p.waitFor(10, TimeUnit.MINUTES);
    if (!finished) {
      p.destroyForcibly();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println("[quick-start] the page's commands printed:\n" + out);
    assertThat(finished).as("the quick start finished").isTrue();
    assertThat(p.exitValue()).as("the quick start's exit code; output:\n%s", out).isZero();

    // What the page's comments promise.
    assertThat(out).contains("deployment \"pullsecret-operator\" successfully rolled out");
    Map<String, String> row = Cli.row(out.lines().dropWhile(l -> !l.startsWith("NAME ") || !l.contains("READY"))
        .reduce((a, b) -> a + "\n" + b).orElseThrow(), "ghcr");
    assertThat(row).containsEntry("READY", "True").containsEntry("REASON", "Synced").containsEntry("SYNCED", "1/1")
        .containsEntry("PROVIDER", "static");
    assertThat(out).containsPattern("(?m)^ghcr-pull +kubernetes.io/dockerconfigjson ");
    assertThat(out).contains("[{\"name\":\"ghcr-pull\"}]");
    Pod pod = client.pods().inNamespace("team-a").withName("pull-test").get();
    assertThat(pod.getSpec().getImagePullSecrets()).as("the pod's pull secrets, from its ServiceAccount")
        .extracting(r -> r.getName()).containsExactly("ghcr-pull");
    assertThat(pod.getStatus().getContainerStatuses().get(0).getReady()).isTrue();
    assertThat(Node.pullEvents(client, "team-a", "pull-test"))
        .anyMatch(e -> e.startsWith("Pulled: Successfully pulled image \"" + app + "\""));
  }
}
