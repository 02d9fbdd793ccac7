package io.pullsecrets.operator.node;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.Node;
import io.pullsecrets.operator.testing.OnRealNode;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's promise measured by pods: a real kubelet pulls from a real private registry
 * (htpasswd) with the pull secrets the ServiceAccount admission plugin copied from the
 * ServiceAccount the operator patched. No pod here names a pull secret of its own.
 */
@OnRealNode
class PodPullTest {
  @RegisterExtension final Closer closer = new Closer();
  Node node;
  OperatorHarness h;

  @BeforeEach
  void start() {
    node = Node.get();
    h = closer.add(new OperatorHarness()).start();
    closer.add(() -> Node.deletePods(h.client));
  }

  /** A static credential for the local registry (user robot), written as Secret local-pull into {@code namespaces}. */
  RegistryCredential credential(String name, String registry, List<String> namespaces) {
    return h.apply(CredentialBuilder.staticLogin(PLATFORM_NS, name, registry, "robot").secretName(name + "-pull").targets(namespaces).build());
  }

  /** The registry's user robot with this password, also in Secret platform/robot; these namespaces created. */
  void robot(String password, String... namespaces) {
    node.accounts(Map.of("robot", password));
    for (String ns : namespaces) {
      Fixtures.namespace(h.client, ns, Map.of());
    }
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", password);
  }

  void awaitServiceAccount(String ns, String secret) {
    h.awaitUntil(() -> h.pullSecretNames(ns, "default").contains(secret));
  }

  Pod create(String ns, String name, String image) {
    return h.client.resource(Node.pod(ns, name, image)).create();
  }

  static List<String> pullSecrets(Pod p) {
    return p.getSpec().getImagePullSecrets() == null ? List.of()
        : p.getSpec().getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
  }

  @Test
  void aPodOfATargetedNamespaceRunsAndOneOfAnUntargetedNamespaceGets401() {
    String image = node.push("static/app:v1");
    robot("static-password-1", "team-a", "elsewhere");
    credential("local", node.registry, List.of("team-a"));
    h.awaitReady(PLATFORM_NS, "local");
    awaitServiceAccount("team-a", "local-pull");

    // Untargeted first, so that the image is not on the node yet: a plain pull without credentials.
    Pod refused = create("elsewhere", "app", image);
    assertThat(Node.awaitPullFailure(h.client, refused)).contains("401 Unauthorized");
    assertThat(pullSecrets(h.client.pods().inNamespace("elsewhere").withName("app").get())).isEmpty();

    long t0 = System.nanoTime();
    Pod running = Node.awaitRunning(h.client, create("team-a", "app", image));
    System.out.printf("[node] a pod pulling a private image Running %.1f s after its creation%n", (System.nanoTime() - t0) / 1e9);
    assertThat(pullSecrets(running)).containsExactly("local-pull");
    assertThat(Node.pullEvents(h.client, "team-a", "app")).anyMatch(e -> e.startsWith("Pulled: Successfully pulled image \"" + image + "\""));
  }

  @Test
  void afterARotationNewPodsRunAndRunningPodsAreUntouched() {
    String image = node.push("rotation/app:v1");
    robot("rotation-password-1", "team-a");
    credential("local", node.registry, List.of("team-a"));
    awaitServiceAccount("team-a", "local-pull");
    Pod before = Node.awaitRunning(h.client, create("team-a", "before", image));

    // The registry's password changes, then the source Secret.
    robot("rotation-password-2");
    h.awaitUntil(() -> h.secret("team-a", "local-pull").map(Fixtures::dockerConfigJson).orElse("").contains("rotation-password-2"));

    // A new image (a pull the registry must authorize) and the image already on the node.
    String fresh = node.push("rotation/app:v2");
    Node.awaitRunning(h.client, create("team-a", "after-new-image", fresh));
    assertThat(Node.pullEvents(h.client, "team-a", "after-new-image")).anyMatch(e -> e.startsWith("Pulled: Successfully pulled image"));
    Node.awaitRunning(h.client, create("team-a", "after-same-image", image));
    System.out.println("[node] rotation, a new pod of the image pulled before it: " + Node.pullEvents(h.client, "team-a", "after-same-image"));

    Pod still = h.client.pods().inNamespace("team-a").withName("before").get();
    assertThat(still.getMetadata().getUid()).isEqualTo(before.getMetadata().getUid());
    assertThat(still.getStatus().getPhase()).isEqualTo("Running");
    assertThat(still.getStatus().getContainerStatuses().get(0).getRestartCount()).isZero();
  }

  @Test
  void afterRevocationANewPodGets401ThoughTheImageIsOnTheNode() {
    String image = node.push("revocation/app:v1");
    robot("revocation-password", "team-a", "team-b");
    RegistryCredential rc = credential("local", node.registry, List.of("team-a"));
    awaitServiceAccount("team-a", "local-pull");
    Node.awaitRunning(h.client, create("team-a", "before", image));

    // team-a stops being targeted: the operator takes its Secret and the ServiceAccount's entry away.
    RegistryCredential current = h.get(PLATFORM_NS, "local");
    h.apply(Fixtures.targeting(current, List.of("team-b")));
    awaitServiceAccount("team-b", "local-pull");
    h.awaitUntil(() -> h.secret("team-a", "local-pull").isEmpty() && !h.pullSecretNames("team-a", "default").contains("local-pull"));

    // The image is on the node (the pod above runs it); the kubelet still asks the registry.
    Pod after = create("team-a", "after", image);
    String failure = Node.awaitPullFailure(h.client, after);
    System.out.println("[node] revocation, a new pod of the image on the node: " + Node.pullEvents(h.client, "team-a", "after"));
    assertThat(failure).contains("401 Unauthorized");
    assertThat(h.client.pods().inNamespace("team-a").withName("before").get().getStatus().getPhase()).isEqualTo("Running");
  }

  /**
   * The {@code auths} keys the operator writes (the registry as the credential names it) and
   * whether the kubelet sends them for an image of that registry: a registry on a non-default
   * port written three ways, and the host shapes of ECR, Artifact Registry and ACR (containerd
   * sends those names to the local registry, hack/node.sh's hosts.toml).
   */
  @Test
  void theRegistryKeysTheKubeletHonours() {
    node.push("shapes/app:v1");
    node.push("my-project/images/app:v1");
    robot("shapes-password");
    String port = node.registry.substring(node.registry.indexOf(':') + 1);
    // key -> image
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put(node.registry, node.registry + "/shapes/app:v1");
    cases.put("https://" + node.registry, node.registry + "/shapes/app:v1");
    cases.put(node.registry + "/v1/", node.registry + "/shapes/app:v1");
    cases.put("http://" + node.registry, node.registry + "/shapes/app:v1");
    cases.put("localhost:" + port, node.registry + "/shapes/app:v1");
    cases.put("111111111111.dkr.ecr.eu-west-1.amazonaws.com", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/shapes/app:v1");
    cases.put("europe-docker.pkg.dev", "europe-docker.pkg.dev/my-project/images/app:v1");
    cases.put("pullsecret.azurecr.io", "pullsecret.azurecr.io/shapes/app:v1");
    List<String> namespaces = new ArrayList<>();
    int i = 0;
    for (var c : cases.entrySet()) {
      String ns = "shape-" + i++;
      namespaces.add(ns);
      Fixtures.namespace(h.client, ns, Map.of());
      credential("key-" + (i - 1), c.getKey(), List.of(ns));
    }
    for (String ns : namespaces) {
      String secret = "key-" + ns.substring("shape-".length()) + "-pull";
      awaitServiceAccount(ns, secret);
      // The source Secret was just rewritten: wait until the operator rendered this password.
      h.awaitUntil(() -> {
        var s = h.client.secrets().inNamespace(ns).withName(secret).get();
        return s != null && Fixtures.dockerConfigJson(s).contains("\"shapes-password\"");
      });
    }
    i = 0;
    for (var c : cases.entrySet()) {
      create("shape-" + i++, "app", c.getValue());
    }
    Map<String, String> outcome = new LinkedHashMap<>();
    i = 0;
    for (var c : cases.entrySet()) {
      String ns = "shape-" + i++;
      String image = c.getValue();
      h.awaitUntil(() -> {
        Pod p = h.client.pods().inNamespace(ns).withName("app").get();
        return "Running".equals(p.getStatus().getPhase()) || !Node.pullEvents(h.client, ns, "app").stream()
            .filter(e -> e.startsWith("Failed: Failed to pull image")).toList().isEmpty();
      });
      Pod p = h.client.pods().inNamespace(ns).withName("app").get();
      outcome.put(c.getKey(), "Running".equals(p.getStatus().getPhase()) ? "Running"
          : Node.pullEvents(h.client, ns, "app").stream().filter(e -> e.contains("401 Unauthorized")).findFirst().map(e -> "401")
              .orElse("other failure: " + Node.pullEvents(h.client, ns, "app")));
      System.out.println("[node] key " + c.getKey() + ", image " + image + ": " + outcome.get(c.getKey()));
    }
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put(node.registry, "Running");
    expected.put("https://" + node.registry, "Running");
    expected.put(node.registry + "/v1/", "Running");
    expected.put("http://" + node.registry, "Running");
    // Another name of the same registry is another registry to the kubelet.
    expected.put("localhost:" + port, "401");
    expected.put("111111111111.dkr.ecr.eu-west-1.amazonaws.com", "Running");
    expected.put("europe-docker.pkg.dev", "Running");
    expected.put("pullsecret.azurecr.io", "Running");
    assertThat(outcome).containsExactlyEntriesOf(expected);
  }
}
