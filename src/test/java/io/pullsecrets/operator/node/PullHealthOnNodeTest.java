package io.pullsecrets.operator.node;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.StatusCondition;
import io.pullsecrets.operator.chart.Helm;
import io.pullsecrets.operator.health.PullHealth;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.Node;
import io.pullsecrets.operator.testing.OnRealNode;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pull health measured by the kubelet's own Events: a real node pulling from a real private
 * registry (htpasswd) whose password changes under the operator, and pods admitted before their
 * ServiceAccount carried the Secret, healed ({@code spec.healPods}) or only reported.
 */
@OnRealNode
class PullHealthOnNodeTest {
  /** Short, so that the test sees the condition turn True again; the product's is ten minutes. */
  static final Duration WINDOW = Duration.ofSeconds(8);

  @RegisterExtension final Closer closer = new Closer();
  final Node node = Node.get();
  final OperatorHarness h = closer.add(new OperatorHarness()).start();

  @BeforeEach
  void start() {
    closer.add(() -> Node.deletePods(h.client));
    closer.add(() -> h.client.apps().deployments().inAnyNamespace().delete());
  }

  Optional<StatusCondition> pullsHealthy(String name) {
    return OperatorHarness.condition(h.get(PLATFORM_NS, name), PullHealth.CONDITION);
  }

  static double since(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  @Test
  void aRevokedPasswordTurnsPullsHealthyFalseNamingThePodAndTheFixTurnsItTrueAfterTheWindow() {
    h.operator().assembly().reconciler().pullHealthWindow(WINDOW);
    String image = node.push("health/app:v1");
    node.accounts(Map.of("robot", "health-password"));
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "health-password");
    h.apply(CredentialBuilder.staticLogin(PLATFORM_NS, "local", node.registry, "robot").secretName("local-pull")
        .targets(List.of("team-a")).build());
    h.awaitReady(PLATFORM_NS, "local");
    h.awaitUntil(() -> h.pullSecretNames("team-a", "default").contains("local-pull"));
    h.awaitCondition(PLATFORM_NS, "local", PullHealth.CONDITION, "True", Reasons.NO_FAILURES);

    // The registry changes the robot's password; the source Secret keeps the old one.
    node.accounts(Map.of("robot", "health-password-changed"));
    long t0 = System.nanoTime();
    h.client.resource(Node.pod("team-a", "revoked", image)).create();
    await("PullsHealthy=False naming the pod").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> pullsHealthy("local").filter(c -> "False".equals(c.getStatus())).isPresent());
    double failingAfter = since(t0);
    StatusCondition failing = pullsHealthy("local").orElseThrow();
    assertThat(failing.getReason()).isEqualTo(Reasons.PULLS_FAILING);
    assertThat(failing.getMessage()).contains("pod team-a/revoked", image, "401 Unauthorized");
    RegistryCredential rc = h.get(PLATFORM_NS, "local");
    assertThat(rc.getStatus().getPullFailures().getAuth()).isEqualTo(1);
    assertThat(OperatorHarness.condition(rc, "Ready").orElseThrow().getStatus()).as("Ready is not affected").isEqualTo("True");

    // The registry takes the password back: the kubelet's next attempt (after its back-off) runs
    // the pod, no failure is reported any more, and the window lets the last one go.
    node.accounts(Map.of("robot", "health-password"));
    long t1 = System.nanoTime();
    Node.awaitRunning(h.client, h.client.pods().inNamespace("team-a").withName("revoked").get());
    double runningAfter = since(t1);
    await("PullsHealthy=True after the window").atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(100))
        .until(() -> pullsHealthy("local").filter(c -> "True".equals(c.getStatus())).isPresent());
    double healthyAfter = since(t1);
    assertThat(pullsHealthy("local").orElseThrow().getReason()).isEqualTo(Reasons.NO_FAILURES);
    // The kubelet's BackOff reports (which never say why) kept the failure an authentication one
    // until the pod ran; the window then let it go, and nothing else is listed.
    assertThat(healthyAfter).as("True after the window, not before").isGreaterThanOrEqualTo(WINDOW.toSeconds() - 1);
    assertThat(h.get(PLATFORM_NS, "local").getStatus().getPullFailures()).isNull();
    System.out.printf("[node] revocation: PullsHealthy=False %.1f s after the pod was created; after the fix the pod"
        + " Running in %.1f s, PullsHealthy=True in %.1f s (window %d s)%n", failingAfter, runningAfter, healthyAfter, WINDOW.toSeconds());
  }

  /** A credential for the node's registry (account robot/{@code password}) targeting {@code ns}, Ready and PullsHealthy. */
  void credentialFor(String ns, String name, String password) {
    node.accounts(Map.of("robot", password));
    Fixtures.namespace(h.client, ns, Map.of());
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", password);
    h.apply(CredentialBuilder.staticLogin(PLATFORM_NS, name, node.registry, "robot").secretName(name + "-pull")
        .targets(List.of(ns)).build());
    h.awaitReady(PLATFORM_NS, name);
    h.awaitUntil(() -> h.pullSecretNames(ns, "default").contains(name + "-pull"));
    h.awaitCondition(PLATFORM_NS, name, PullHealth.CONDITION, "True", Reasons.NO_FAILURES);
  }

  /**
   * The same registry under another name ({@code localhost:PORT}): no key of the Secret matches
   * it, so the kubelet sends no credential and the registry answers 401. That failure is not the
   * credential's. A pod of the credential's registry whose image does not exist fails after it,
   * in the same namespace: once that one is listed, the 401 was seen and left out.
   */
  @Test
  void aPullOfAnotherRegistryRefusedWith401NeverTouchesTheCondition() {
    String image = node.push("health/other:v1");
    credentialFor("team-b", "mine", "other-password");
    String foreign = image.replace(node.registry, "localhost:" + node.registry.substring(node.registry.lastIndexOf(':') + 1));
    assertThat(foreign).isNotEqualTo(image);
    Pod elsewhere = h.client.resource(Node.pod("team-b", "elsewhere", foreign)).create();
    assertThat(Node.awaitPullFailure(h.client, elsewhere)).contains("401 Unauthorized");

    String missing = node.registry + "/health/missing:v1";
    h.client.resource(Node.pod("team-b", "missing", missing)).create();
    RegistryCredential rc = h.awaitResource(PLATFORM_NS, "mine", r -> r.getStatus().getPullFailures() != null
        && r.getStatus().getPullFailures().getRecent().stream().anyMatch(p -> p.getPod().equals("missing")));
    assertThat(rc.getStatus().getPullFailures().getAuth()).isZero();
    assertThat(rc.getStatus().getPullFailures().getRecent()).singleElement().satisfies(p -> {
      assertThat(p.getImage()).isEqualTo(missing);
      assertThat(p.getKind()).isEqualTo("notfound");
    });
    assertThat(pullsHealthy("mine").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(Node.pullEvents(h.client, "team-b", "elsewhere")).anyMatch(e -> e.contains("401 Unauthorized"));
  }

  /**
   * A tenant's pod naming the longest valid image (odd but valid characters; it does not exist),
   * which the kubelet really fails to pull, and an Event the tenant writes as the kubelet would:
   * huge, full of control characters, quotes and backslashes, claiming a 401. The image is kept
   * whole, the forged message turns the condition False (anyone who may write Events in a
   * targeted namespace can do that much) but is bounded and quoted there and never logged raw.
   */
  @Test
  void aTenantsCraftedImageAndForgedEventAreBoundedQuotedAndNeverLoggedRaw() {
    credentialFor("team-c", "tenant", "tenant-password");
    String name = node.registry + "/" + "a0.b_c__d-e--f/".repeat(15);
    name = name + "g".repeat(255 - name.length());
    String crafted = name + ":" + "T".repeat(64) + "_v1.0-rc." + "9".repeat(55);
    Pod pod = h.client.resource(Node.pod("team-c", "crafted", crafted)).create();
    Node.awaitPullFailure(h.client, pod);
    RegistryCredential rc = h.awaitResource(PLATFORM_NS, "tenant", r -> r.getStatus().getPullFailures() != null);
    assertThat(rc.getStatus().getPullFailures().getRecent()).singleElement().satisfies(p -> {
      assertThat(p.getImage()).isEqualTo(crafted);
      assertThat(p.getKind()).isEqualTo("notfound");
    });

    String marker = "FORGED-" + System.nanoTime();
    String forged = node.registry + "/team/app:1";
    String hostile = "Failed to pull image \"" + forged + "\": 401 \"\u001b[2J\r\n" + marker + " level=ERROR fake\u0007"
        + "\\\"".repeat(5000) + "y".repeat(200_000);
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    h.client.v1().events().inNamespace("team-c").resource(new EventBuilder()
        .withNewMetadata().withName("crafted." + System.nanoTime()).endMetadata()
        .withNewInvolvedObject().withKind("Pod").withApiVersion("v1").withNamespace("team-c").withName("crafted")
        .withUid(pod.getMetadata().getUid()).withFieldPath("spec.containers{app}").endInvolvedObject()
        .withReason("Failed").withType("Warning").withMessage(hostile).withCount(1).withFirstTimestamp(now).withLastTimestamp(now)
        .withNewSource().withComponent("kubelet").withHost(Node.NAME).endSource().build()).create();

    rc = h.awaitCondition(PLATFORM_NS, "tenant", PullHealth.CONDITION, "False", Reasons.PULLS_FAILING);
    String message = OperatorHarness.condition(rc, PullHealth.CONDITION).orElseThrow().getMessage();
    assertThat(message.length()).isLessThan(1000);
    assertThat(message).doesNotContain("\u001b", "\r", "\n", "\u0007").contains(marker, "pod team-c/crafted");
    String quoted = message.substring(message.indexOf(": \"", message.indexOf("image \"")) + 2);
    assertThat(quoted.replace("\\\\", "").replace("\\\"", "")).matches("\"[^\"]*\"");
    assertThat(rc.getStatus().getPullFailures().getRecent()).allSatisfy(p -> {
      assertThat(p.getMessage().length()).isLessThanOrEqualTo(200);
      assertThat(p.getMessage()).doesNotContain("\u001b", "\r", "\n", "\u0007");
    });
    assertThat(h.logLines()).noneMatch(l -> l.contains("\u001b") || l.contains("\u0007") || l.contains("y".repeat(600)));
    assertThat(h.logLines()).filteredOn(l -> l.contains(marker)).allSatisfy(l -> {
      assertThat(l.length()).isLessThan(1500);
      assertThat(l).contains("\\\"" + "\\\\");
    });
  }

  /** The chart's ClusterRoles rendered with rbac.healPods=true, in place of deploy/'s (the next test applies those again). */
  void grantHealing() {
    for (HasMetadata o : Helm.template("--set", "rbac.healPods=true")) {
      if (o.getKind().equals("ClusterRole") || o.getKind().equals("ClusterRoleBinding")) {
        h.client.resource(o).forceConflicts().serverSideApply();
      }
    }
  }

  void deployment(String ns, String image) {
    h.client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
        .withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
        .withNewSpec().withTerminationGracePeriodSeconds(0L).withAutomountServiceAccountToken(false)
        .addNewContainer().withName("web").withImage(image).endContainer().endSpec()
        .endTemplate().endSpec().build()).create();
  }

  List<Pod> pods(String ns) {
    return h.client.pods().inNamespace(ns).withLabel("app", "web").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  static boolean lists(Pod p, String secret) {
    return p.getSpec().getImagePullSecrets() != null
        && p.getSpec().getImagePullSecrets().stream().map(LocalObjectReference::getName).anyMatch(secret::equals);
  }

  List<Event> healedEvents(String ns) {
    return h.client.v1().events().inNamespace(ns).withField("reason", Reasons.POD_HEALED).list().getItems();
  }

  /**
   * No admission webhook runs here: a pod gets the Secret only from its ServiceAccount, when it is
   * created. Both Deployments exist, and their pods fail with 401, before the credentials do.
   */
  @Test
  void aDeploymentAdmittedBeforeItsServiceAccountHadTheSecretRunsWithHealPodsAndIsOnlyReportedWithout() {
    grantHealing();
    String image = node.push("heal/web:v1");
    node.accounts(Map.of("robot", "heal-password"));
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "heal-password");
    Fixtures.namespace(h.client, "heal-on", Map.of());
    Fixtures.namespace(h.client, "heal-off", Map.of());
    deployment("heal-on", image);
    deployment("heal-off", image);
    await("both pods fail to pull").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> List.of("heal-on", "heal-off").stream().allMatch(ns -> pods(ns).size() == 1
            && List.of("ErrImagePull", "ImagePullBackOff").contains(Node.waitingReason(pods(ns).get(0)))));
    Pod early = pods("heal-on").get(0);
    Pod reported = pods("heal-off").get(0);

    RegistryCredential heal = CredentialBuilder.staticLogin(PLATFORM_NS, "heal", node.registry, "robot").secretName("heal-pull")
        .targets(List.of("heal-on")).build();
    heal.getSpec().setHealPods(true);
    long t0 = System.nanoTime();
    h.apply(heal);
    h.apply(CredentialBuilder.staticLogin(PLATFORM_NS, "report", node.registry, "robot").secretName("report-pull")
        .targets(List.of("heal-off")).build());

    await("the Deployment with healing runs a new pod with the Secret").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> pods("heal-on").stream().anyMatch(p -> lists(p, "heal-pull") && "Running".equals(p.getStatus().getPhase())));
    double runningAfter = since(t0);
    assertThat(h.client.pods().inNamespace("heal-on").withName(early.getMetadata().getName()).get())
        .as("the pod admitted too early was deleted").satisfiesAnyOf(p -> assertThat(p).isNull(),
            p -> assertThat(p.getMetadata().getDeletionTimestamp()).isNotNull());
    await("both Events recorded").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> !healedEvents("heal-on").isEmpty() && !healedEvents(PLATFORM_NS).isEmpty());
    assertThat(healedEvents("heal-on")).singleElement().satisfies(e -> {
      assertThat(e.getInvolvedObject().getUid()).isEqualTo(early.getMetadata().getUid());
      assertThat(e.getMessage()).contains("RegistryCredential " + PLATFORM_NS + "/heal", "heal-pull", "ReplicaSet");
    });
    assertThat(healedEvents(PLATFORM_NS)).singleElement().satisfies(e -> {
      assertThat(e.getInvolvedObject().getName()).isEqualTo("heal");
      assertThat(e.getMessage()).contains("heal-on/" + early.getMetadata().getName());
    });

    // Without healPods the pod is only named in the condition, and is still the same pod.
    await("the other credential reports the pod").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> pullsHealthy("report").filter(c -> "False".equals(c.getStatus())
            && c.getMessage().contains("heal-off/" + reported.getMetadata().getName())).isPresent());
    assertThat(pods("heal-off")).singleElement().satisfies(p -> {
      assertThat(p.getMetadata().getUid()).isEqualTo(reported.getMetadata().getUid());
      assertThat(lists(p, "report-pull")).isFalse();
      assertThat(p.getStatus().getPhase()).isNotEqualTo("Running");
    });
    assertThat(h.pullSecretNames("heal-off", "default")).contains("report-pull");
    assertThat(healedEvents("heal-off")).isEmpty();
    System.out.printf("[node] a Deployment admitted without the Secret: with healPods Running %.1f s after the credential was"
        + " created; without, still failing and reported%n", runningAfter);
  }
}
