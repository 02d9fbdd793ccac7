package io.pullsecrets.operator.node;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.pullsecrets.operator.api.HarborProviderSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.SecretReference;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.cloud.TestTls;
import io.pullsecrets.operator.provider.harbor.HarborCredentialProvider;
import io.pullsecrets.operator.provider.harbor.HarborStub;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.Node;
import io.pullsecrets.operator.testing.OnRealNode;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.RotationWatch;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Harbor robot accounts end to end: the Harbor stub (its robot API over HTTPS, allow-listed for
 * the operator as an administrator would) stands for Harbor, and the node's real registry for
 * Harbor's registry: each secret the stub takes in a {@code PATCH} replaces the robot's htpasswd
 * entry before the stub answers, so the registry accepts only the robot's current secret, as
 * Harbor's does. Pods pull with the Secret the operator wrote.
 */
@OnRealNode
class HarborPullOnNodeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ADMIN = "admin";
  static final String ADMIN_PASSWORD = "Harbor12345-node-admin-do-not-leak";
  static final String ROBOT = "robot$platform+puller";
  static final long ROBOT_ID = 3;
  static final String NS = "team-a";
  /** Forced rotations measured; the first one also with pods. */
  static final int ROTATIONS = 5;

  @RegisterExtension final Closer closer = new Closer();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  Node node;
  HarborStub harbor;
  OperatorHarness h;
  /** When each login first appeared in each target namespace. */
  RotationWatch seen;

  @BeforeEach
  void start() throws Exception {
    node = Node.get();
    harbor = closer.add(new HarborStub(TestTls.serverContext()).user(ADMIN, ADMIN_PASSWORD, true));
    harbor.robot(ROBOT_ID, ROBOT, "InitialSecret1");
    node.accounts(Map.of(ROBOT, "InitialSecret1"));
    harbor.secretChanged = (name, secret) -> node.accounts(Map.of(name, secret));
    HarborCredentialProvider provider =
        new HarborCredentialProvider(InetAddress::getAllByName, TestTls.clientContext(), new SecureRandom());
    h = closer.add(new OperatorHarness());
    closer.add(() -> Node.deletePods(h.client));
    h.start(OperatorHarness.config(Set.of(), Set.of(harbor.hostPort())),
        o -> o.withProviders(new ProviderRegistry(List.of(provider))));
    Fixtures.loginSecret(h.client, PLATFORM_NS, "harbor-admin", ADMIN, ADMIN_PASSWORD);
    Fixtures.namespace(h.client, NS, Map.of());
    Fixtures.namespace(h.client, "stale", Map.of());
    seen = closer.add(new RotationWatch(h.client, "harbor-pull", this::password));
  }

  /** The robot's password in a Secret of the operator, or null. */
  String password(Secret s) {
    if (s == null || s.getData() == null || s.getData().get(".dockerconfigjson") == null) {
      return null;
    }
    try {
      JsonNode login = JSON.readTree(Fixtures.unb64(s.getData().get(".dockerconfigjson"))).path("auths").path(node.registry);
      return login.path("username").asText().equals(ROBOT) ? login.path("password").asText(null) : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  String secretPassword() {
    return h.secret(NS, "harbor-pull").map(this::password).orElse(null);
  }

  RegistryCredential credential() {
    HarborProviderSpec spec = new HarborProviderSpec();
    spec.setUrl(harbor.url());
    spec.setRobotId(ROBOT_ID);
    spec.setAdminSecretRef(new SecretReference("harbor-admin"));
    spec.setRegistry(node.registry);
    ProviderSpec p = new ProviderSpec();
    p.setHarbor(spec);
    return CredentialBuilder.of(PLATFORM_NS, "harbor", p).secretName("harbor-pull").targets(List.of(NS)).build();
  }

  /** A rotation: Harbor took a new secret, and the target namespace's Secret (and its watch) carries it. */
  HarborStub.Rotation rotate(int i) {
    h.requestRefresh(PLATFORM_NS, "harbor", "rotate-" + i);
    h.awaitUntil(() -> harbor.rotations.size() == i + 1 && harbor.rotations.get(i).secret().equals(secretPassword())
        && seen.seenIn(List.of(NS), harbor.rotations.get(i).secret()));
    return harbor.rotations.get(i);
  }

  /** What the node's registry answers to the image's manifest with this login: 200, or 401. */
  int manifest(String image, String password) throws Exception {
    String path = image.substring(node.registry.length() + 1);
    int colon = path.lastIndexOf(':');
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + node.registry + "/v2/" + path.substring(0, colon)
            + "/manifests/" + path.substring(colon + 1)))
        .header("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((ROBOT + ":" + password).getBytes(StandardCharsets.UTF_8)))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** A pod of the image that pulls it even when it is on the node (imagePullPolicy Always). */
  Pod create(String ns, String name, String image, String pullSecret) {
    PodBuilder pod = new PodBuilder(Node.pod(ns, name, image)).editSpec().editFirstContainer()
        .withImagePullPolicy("Always").endContainer().endSpec();
    if (pullSecret != null) {
      pod.editSpec().addNewImagePullSecret(pullSecret).endSpec();
    }
    return h.client.resource(pod.build()).create();
  }

  static List<String> pullSecrets(Pod p) {
    return p.getSpec().getImagePullSecrets() == null ? List.of()
        : p.getSpec().getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
  }

  void assertPulled(String ns, String pod, String image) {
    assertThat(Node.pullEvents(h.client, ns, pod)).as("pull events of " + ns + "/" + pod)
        .anyMatch(e -> e.startsWith("Pulled: Successfully pulled image \"" + image + "\""));
  }

  @Test
  void podsPullWithTheRobotSecretAndAfterARotationTheOldOneIsRefusedAndANewPodPullsWithTheNewOne() throws Exception {
    String image = node.push("harbor/app:v1");
    h.apply(credential());
    h.awaitReady(PLATFORM_NS, "harbor");
    assertThat(harbor.rotations).hasSize(1);
    String first = harbor.rotations.get(0).secret();
    h.awaitUntil(() -> first.equals(secretPassword()));
    h.awaitUntil(() -> h.pullSecretNames(NS, "default").contains("harbor-pull"));
    assertThat(manifest(image, "InitialSecret1")).as("the robot's secret before the operator's first rotation").isEqualTo(401);
    Pod before = Node.awaitRunning(h.client, create(NS, "before", image, null));
    assertThat(pullSecrets(before)).containsExactly("harbor-pull");
    assertPulled(NS, "before", image);
    String oldConfig = h.secret(NS, "harbor-pull").orElseThrow().getData().get(".dockerconfigjson");

    HarborStub.Rotation rotation = rotate(1);
    assertThat(rotation.secret()).isNotEqualTo(first);
    // The previous login, kept in a Secret of its own with the bytes the operator wrote, is refused
    // by the registry: a pod pulling with it gets 401.
    assertThat(manifest(image, first)).isEqualTo(401);
    assertThat(manifest(image, rotation.secret())).isEqualTo(200);
    h.client.resource(new SecretBuilder().withNewMetadata().withName("old-login").withNamespace("stale").endMetadata()
        .withType("kubernetes.io/dockerconfigjson").addToData(".dockerconfigjson", oldConfig).build()).create();
    assertThat(Node.awaitPullFailure(h.client, create("stale", "old-login", image, "old-login"))).contains("401 Unauthorized");

    // A new pod pulls again, with the rotated Secret, and runs; the pod started before is untouched.
    long t0 = System.nanoTime();
    Pod after = Node.awaitRunning(h.client, create(NS, "after", image, null));
    double runningAfter = (System.nanoTime() - t0) / 1e9;
    assertThat(pullSecrets(after)).containsExactly("harbor-pull");
    assertPulled(NS, "after", image);
    Pod still = h.client.pods().inNamespace(NS).withName("before").get();
    assertThat(still.getMetadata().getUid()).isEqualTo(before.getMetadata().getUid());
    assertThat(still.getStatus().getPhase()).isEqualTo("Running");
    assertThat(still.getStatus().getContainerStatuses().get(0).getRestartCount()).isZero();

    // More rotations, for the window's figures: each time the registry takes only the new secret.
    List<HarborStub.Rotation> forced = new ArrayList<>(List.of(rotation));
    for (int i = 2; i <= ROTATIONS; i++) {
      HarborStub.Rotation r = rotate(i);
      assertThat(manifest(image, harbor.rotations.get(i - 1).secret())).isEqualTo(401);
      assertThat(manifest(image, r.secret())).isEqualTo(200);
      forced.add(r);
    }
    assertThat(harbor.requests()).extracting(r -> r.method()).filteredOn("PATCH"::equals).hasSize(ROTATIONS + 1);

    List<Double> windows = forced.stream().map(r -> seen.windowMillis(List.of(NS), r.secret(), r.acceptedNanos())).toList();
    System.out.printf("HARBOR_NODE_ROTATION_WINDOW_MS %s; after the first, a new pod Running in %.1f s%n",
        RotationWatch.summary(windows), runningAfter);
    // From the registry refusing the old secret to the Secret carrying the new one: one write pass.
    assertThat(windows).allSatisfy(w -> assertThat(w).isPositive().isLessThan(5000.0));
  }
}
