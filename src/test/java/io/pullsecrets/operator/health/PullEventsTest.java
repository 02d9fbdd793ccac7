package io.pullsecrets.operator.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PullEventsTest {
  static final String IMAGE = "127.0.0.1:5000/private/app:1";

  static Event event(String reason, String message) {
    return event("team-a", "app-1", "uid-1", reason, message);
  }

  static Event event(String ns, String pod, String uid, String reason, String message) {
    return new EventBuilder()
        .withNewMetadata().withName(pod + ".17f").withNamespace(ns).withResourceVersion("7").endMetadata()
        .withNewInvolvedObject().withKind("Pod").withNamespace(ns).withName(pod).withUid(uid)
        .withFieldPath("spec.containers{app}").endInvolvedObject()
        .withReason(reason).withType("Warning").withMessage(message).withCount(3)
        .withFirstTimestamp("2026-01-01T10:00:00Z").withLastTimestamp("2026-01-01T10:02:00Z")
        .withNewSource().withComponent("kubelet").withHost("node-1").endSource()
        .build();
  }

  @Test
  void aFailedPullKeepsPodImageMessageTimesAndCount() {
    String message = "Failed to pull image \"" + IMAGE + "\": failed to pull and unpack image \"" + IMAGE
        + "\": failed to resolve image: unexpected status from HEAD request to http://127.0.0.1:5000/v2/private/app/manifests/1: 401 Unauthorized";
    PullFailure f = PullEvents.of(event("Failed", message)).orElseThrow();
    assertThat(f).isEqualTo(new PullFailure("team-a", "app-1", "uid-1", IMAGE, message, PullFailure.Kind.AUTH,
        Instant.parse("2026-01-01T10:00:00Z"), Instant.parse("2026-01-01T10:02:00Z"), 3));
  }

  @Test
  void backOffWithAndWithoutTheErrorIsKept() {
    assertThat(PullEvents.of(event("BackOff", "Back-off pulling image \"" + IMAGE + "\""))).get()
        .extracting(PullFailure::image, PullFailure::kind).containsExactly(IMAGE, PullFailure.Kind.OTHER);
    assertThat(PullEvents.of(event("BackOff", "Back-off pulling image \"" + IMAGE + "\": ErrImagePull: 403 Forbidden"))).get()
        .extracting(PullFailure::kind).isEqualTo(PullFailure.Kind.AUTH);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "Failed | Error: ErrImagePull",
      "Failed | Error: ImagePullBackOff",
      "BackOff | Back-off restarting failed container app in pod app-1_team-a(uid-1)",
      "Failed | Error: failed to create containerd task",
      "Unhealthy | Failed to pull image \"x/y\": 401",
      "Failed | Failed to pull image \"\": 401",
      "Failed | Failed to pull image \"unterminated: 401",
  })
  void otherEventsAreNotPullFailures(String reason, String message) {
    assertThat(PullEvents.of(event(reason, message))).isEmpty();
  }

  @Test
  void anEventOnAnotherKindOrAnotherNamespacesPodIsIgnored() {
    Event onNode = event("Failed", "Failed to pull image \"" + IMAGE + "\": 401");
    onNode.getInvolvedObject().setKind("Node");
    assertThat(PullEvents.of(onNode)).isEmpty();
    Event elsewhere = event("Failed", "Failed to pull image \"" + IMAGE + "\": 401");
    elsewhere.getInvolvedObject().setNamespace("team-b");
    assertThat(PullEvents.of(elsewhere)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "failed to resolve reference: 401 Unauthorized | AUTH",
      "unexpected status: 403 Forbidden | AUTH",
      "pull access denied, repository does not exist or may require authorization | AUTH",
      "no basic auth credentials | AUTH",
      "authentication required | AUTH",
      "failed to resolve reference \"x\": not found | NOTFOUND",
      "manifest unknown: manifest unknown | NOTFOUND",
      "dial tcp 10.0.0.1:5000: connect: connection refused | OTHER",
      "received unexpected HTTP status: 500 Internal Server Error | OTHER",
      "x509: certificate signed by unknown authority | OTHER",
  })
  void classifiesTheKubeletsMessage(String error, PullFailure.Kind kind) {
    assertThat(PullEvents.classify("Failed to pull image \"r.example.com/a:1\": " + error, "r.example.com/a:1")).isEqualTo(kind);
  }

  @Test
  void aStatusCodeInTheImageReferenceIsNoStatus() {
    String image = "r.example.com/denied/unauthorized:401";
    assertThat(PullEvents.classify("Failed to pull image \"" + image + "\": connection refused", image))
        .isEqualTo(PullFailure.Kind.OTHER);
  }

  @Test
  void aHostileMessageIsBoundedAndItsControlCharactersReplaced() {
    String huge = "Failed to pull image \"" + IMAGE + "\": 401 \u001b[31mred\r\nforged log line\u0000" + "x".repeat(1_000_000);
    Event e = event("Failed", huge);
    PullFailure f = PullEvents.of(e).orElseThrow();
    assertThat(f.message()).hasSize(PullEvents.MAX_MESSAGE).doesNotContain("\u001b", "\r", "\n", "\u0000").endsWith("...");
    Event slim = PullEvents.slim(e);
    assertThat(slim.getMessage().length()).isLessThanOrEqualTo(PullEvents.MAX_CACHED_MESSAGE);
    assertThat(slim.getSource()).isNull();
    assertThat(PullEvents.of(slim)).contains(f);
    assertThat(PullEvents.slim(slim)).isEqualTo(slim);
  }

  /** The longest reference the kubelet pulls: a 255-character name, a 128-character tag, a digest. */
  static final String LONGEST = "registry.example.com:5000/" + "a0.b_c__d-e--f/".repeat(15) + "g".repeat(4)
      + ":" + "T".repeat(64) + "_v1.0-rc." + "9".repeat(55) + "@sha256:" + "0123456789abcdef".repeat(4);

  @Test
  void theLongestValidImageIsKeptWhole() {
    assertThat(LONGEST).hasSize(PullEvents.MAX_IMAGE);
    String message = "Failed to pull image \"" + LONGEST + "\": failed to pull and unpack image \"" + LONGEST
        + "\": failed to resolve reference \"" + LONGEST + "\": unexpected status from HEAD request to http://x/v2/: 401 Unauthorized";
    Event slim = PullEvents.slim(event("Failed", message));
    PullFailure f = PullEvents.of(slim).orElseThrow();
    assertThat(f.image()).isEqualTo(LONGEST);
    assertThat(f.kind()).isEqualTo(PullFailure.Kind.AUTH);
  }

  @Test
  void aCraftedImageNameIsRefused() {
    assertThat(PullEvents.of(event("Failed", "Failed to pull image \"a\nb\": 401"))).isEmpty();
    assertThat(PullEvents.of(event("Failed", "Failed to pull image \"" + "a".repeat(PullEvents.MAX_IMAGE + 1) + "\": 401")))
        .isEmpty();
  }

  @Test
  void anEventThatIsNoPullFailureIsCachedAsItsNameOnly() {
    Event slim = PullEvents.slim(event("BackOff", "Back-off restarting failed container"));
    assertThat(slim.getMessage()).isNull();
    assertThat(slim.getInvolvedObject()).isNull();
    assertThat(slim.getMetadata().getName()).isEqualTo("app-1.17f");
  }
}
