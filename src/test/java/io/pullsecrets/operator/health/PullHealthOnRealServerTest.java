package io.pullsecrets.operator.health;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.StatusCondition;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pull health on the real control plane, with the kubelet's Events written as the kubelet writes
 * them (reason, message format, involvedObject): the operator's informers, field selectors, RBAC
 * (deploy/'s ClusterRole), pod reads and status writes are real; only the node is absent (no
 * kubelet pulls here).
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class PullHealthOnRealServerTest {
  @RegisterExtension final Closer closer = new Closer();
  static final String TEAM = "team-health";
  static final String IMAGE = "registry.example.com/team/app:1";
  OperatorHarness h;

  @BeforeEach
  void setUp() {
    h = closer.add(new OperatorHarness());
    Fixtures.namespace(h.client, TEAM, Map.of());
    h.start(OperatorHarness.config(Set.of()), o -> o);
    h.operator().assembly().reconciler().pullHealthWindow(Duration.ofSeconds(6));
    h.applyReady(Fixtures.teamCredential(h.client, "registry.example.com", List.of(TEAM)));
  }

  Pod pod(String name, String image) {
    return h.client.pods().inNamespace(TEAM).resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage(image).endContainer().endSpec().build()).create();
  }

  /** A Warning the kubelet writes when a pull fails. */
  Event kubeletEvent(Pod pod, String reason, String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    return h.client.v1().events().inNamespace(TEAM).resource(new EventBuilder()
        .withNewMetadata().withName(pod.getMetadata().getName() + "." + System.nanoTime()).endMetadata()
        .withNewInvolvedObject().withKind("Pod").withApiVersion("v1").withNamespace(TEAM)
        .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid())
        .withFieldPath("spec.containers{app}").endInvolvedObject()
        .withReason(reason).withType("Warning").withMessage(message).withCount(1)
        .withFirstTimestamp(now).withLastTimestamp(now)
        .withNewSource().withComponent("kubelet").withHost("node-1").endSource()
        .build()).create();
  }

  static String unauthorized(String image) {
    return "Failed to pull image \"" + image + "\": failed to pull and unpack image \"" + image
        + "\": failed to resolve reference \"" + image + "\": unexpected status from HEAD request: 401 Unauthorized";
  }

  @Test
  void anAuthFailureTurnsPullsHealthyFalseNamingThePodLeavesReadyAndClearsAfterTheWindow() {
    Pod other = pod("elsewhere", "other.example.com/app:1");
    kubeletEvent(other, "Failed", unauthorized("other.example.com/app:1"));
    Pod app = pod("app", IMAGE);
    kubeletEvent(app, "Failed", "Error: ErrImagePull");
    kubeletEvent(app, "Failed", unauthorized(IMAGE));

    RegistryCredential rc = h.awaitCondition(PLATFORM_NS, "example", PullHealth.CONDITION, "False", Reasons.PULLS_FAILING);
    StatusCondition pulls = OperatorHarness.condition(rc, PullHealth.CONDITION).orElseThrow();
    assertThat(pulls.getMessage()).contains("pod " + TEAM + "/app, image \"" + IMAGE + "\"", "401 Unauthorized")
        .doesNotContain("other.example.com");
    assertThat(OperatorHarness.condition(rc, "Ready").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(rc.getStatus().getPullFailures().getAuth()).isEqualTo(1);
    assertThat(rc.getStatus().getPullFailures().getRecent()).singleElement()
        .satisfies(p -> assertThat(p.getPod()).isEqualTo("app"));
    h.awaitUntil(() -> h.client.v1().events().inNamespace(PLATFORM_NS).list().getItems().stream()
        .anyMatch(e -> Reasons.PULLS_FAILING.equals(e.getReason()) && "Warning".equals(e.getType())));

    // No new failure: once the window lets the last one go, the condition is True again.
    rc = h.awaitCondition(PLATFORM_NS, "example", PullHealth.CONDITION, "True", Reasons.NO_FAILURES);
    assertThat(rc.getStatus().getPullFailures()).isNull();
  }

  @Test
  void aFailureOfAnotherRegistryOrANotFoundImageNeverTurnsItFalse() {
    Pod other = pod("elsewhere", "other.example.com/app:1");
    kubeletEvent(other, "Failed", unauthorized("other.example.com/app:1"));
    Pod typo = pod("typo", "registry.example.com/team/ap:1");
    kubeletEvent(typo, "Failed", "Failed to pull image \"registry.example.com/team/ap:1\": rpc error: code = NotFound"
        + " desc = failed to pull and unpack image: failed to resolve reference: not found");

    RegistryCredential rc = h.awaitResource(PLATFORM_NS, "example", r -> r.getStatus().getPullFailures() != null);
    assertThat(OperatorHarness.condition(rc, PullHealth.CONDITION).orElseThrow().getStatus()).isEqualTo("True");
    assertThat(rc.getStatus().getPullFailures().getAuth()).isZero();
    assertThat(rc.getStatus().getPullFailures().getOther()).isEqualTo(1);
    assertThat(rc.getStatus().getPullFailures().getRecent()).extracting(p -> p.getPod()).containsExactly("typo");
  }

  @Test
  void aHostileEventIsBoundedQuotedAndNeverLoggedRaw() {
    Pod app = pod("app", IMAGE);
    String marker = "FORGED-" + System.nanoTime();
    String hostile = "Failed to pull image \"" + IMAGE + "\": 401 \"\u001b[2J\r\n" + marker + " level=ERROR fake\u0007"
        + "\\\"".repeat(5000) + "y".repeat(200_000);
    kubeletEvent(app, "BackOff", hostile.replace("Failed to pull image", "Back-off pulling image"));

    RegistryCredential rc = h.awaitCondition(PLATFORM_NS, "example", PullHealth.CONDITION, "False", Reasons.PULLS_FAILING);
    String message = OperatorHarness.condition(rc, PullHealth.CONDITION).orElseThrow().getMessage();
    assertThat(message.length()).isLessThan(1000);
    assertThat(message).doesNotContain("\u001b", "\r", "\n", "\u0007").contains(marker);
    // The kubelet's message is one quoted string: every quote in it is escaped.
    String quoted = message.substring(message.indexOf(": \"", message.indexOf("image \"")) + 2);
    assertThat(quoted.replace("\\\\", "").replace("\\\"", "")).matches("\"[^\"]*\"");
    assertThat(rc.getStatus().getPullFailures().getRecent().get(0).getMessage().length()).isLessThanOrEqualTo(200);
    // The Warning is logged as recorded: bounded and quoted like the condition, never the raw message.
    assertThat(h.logLines()).noneMatch(l -> l.contains("\u001b") || l.contains("\u0007") || l.contains("y".repeat(600)));
    assertThat(h.logLines()).filteredOn(l -> l.contains(marker)).allSatisfy(l -> {
      assertThat(l.length()).isLessThan(1500);
      assertThat(l).contains("\\\"" + "\\\\");
    });
  }
}
