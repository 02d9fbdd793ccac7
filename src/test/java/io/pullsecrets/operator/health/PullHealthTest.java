package io.pullsecrets.operator.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.Reasons;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PullHealthTest {
  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  static final Duration WINDOW = PullHealth.WINDOW;

  static PullFailure failure(String ns, String pod, String image, PullFailure.Kind kind, Instant last) {
    return new PullFailure(ns, pod, pod + "-uid", image, "Failed to pull image \"" + image + "\": 401 Unauthorized", kind,
        last.minusSeconds(60), last, 2);
  }

  /** team-a's ServiceAccount "default" is served; nothing else is. */
  static final BiPredicate<String, String> SERVES = (ns, sa) -> ns.equals("team-a") && sa.equals("default");

  @ParameterizedTest(name = "{0}/{1} under {2}, image {3}: {4}")
  @CsvSource({
      "team-a, app, default, registry.example.com/app:1, true",
      "team-a, app, builder, registry.example.com/app:1, false",
      "team-b, app, default, registry.example.com/app:1, false",
      "team-a, app, default, other.example.com/app:1, false",
      "team-a, app, default, registry.example.com:5000/app:1, false",
      "team-a, app, '', registry.example.com/app:1, false",
  })
  void aFailureConcernsTheCredentialThatShouldHaveServedIt(String ns, String pod, String sa, String image, boolean concerns) {
    var seen = new PullHealth.Seen(failure(ns, pod, image, PullFailure.Kind.AUTH, NOW), sa);
    assertThat(PullHealth.concerns(seen, List.of("registry.example.com"), SERVES)).isEqualTo(concerns);
  }

  @Test
  void aPodWhoseServiceAccountIsUnknownConcernsNoCredential() {
    var seen = new PullHealth.Seen(failure("team-a", "app", "registry.example.com/a", PullFailure.Kind.AUTH, NOW), null);
    assertThat(PullHealth.concerns(seen, List.of("registry.example.com"), SERVES)).isFalse();
  }

  @Test
  void noFailureIsHealthy() {
    PullHealth.Verdict v = PullHealth.verdict(List.of(), NOW, WINDOW);
    assertThat(v.healthy()).isTrue();
    assertThat(v.reason()).isEqualTo(Reasons.NO_FAILURES);
    assertThat(v.status()).isNull();
    assertThat(v.recheckIn()).isNull();
  }

  @Test
  void anAuthFailureInTheWindowNamesTheMostRecentPodImageAndMessage() {
    PullFailure older = failure("team-a", "old", "registry.example.com/a:1", PullFailure.Kind.AUTH, NOW.minusSeconds(300));
    PullFailure recent = failure("team-a", "new", "registry.example.com/b:2", PullFailure.Kind.AUTH, NOW.minusSeconds(30));
    PullHealth.Verdict v = PullHealth.verdict(List.of(older, recent), NOW, WINDOW);
    assertThat(v.healthy()).isFalse();
    assertThat(v.reason()).isEqualTo(Reasons.PULLS_FAILING);
    assertThat(v.message()).startsWith("2 failing pull(s) refused for authentication in the last 10 minute(s)")
        .contains("pod team-a/new, image \"registry.example.com/b:2\": \"Failed to pull image \\\"registry.example.com/b:2\\\"")
        .doesNotContain("team-a/old");
    assertThat(v.status().getAuth()).isEqualTo(2);
    assertThat(v.status().getRecent()).extracting(p -> p.getPod()).containsExactly("new", "old");
    assertThat(v.recheckIn()).isEqualTo(Duration.ofSeconds(571));
  }

  @Test
  void notFoundAndOtherFailuresAreShownButKeepItHealthy() {
    PullFailure missing = failure("team-a", "typo", "registry.example.com/nope:1", PullFailure.Kind.NOTFOUND, NOW);
    PullHealth.Verdict v = PullHealth.verdict(List.of(missing), NOW, WINDOW);
    assertThat(v.healthy()).isTrue();
    assertThat(v.message()).contains("1 failing for other reasons");
    assertThat(v.status().getAuth()).isZero();
    assertThat(v.status().getOther()).isEqualTo(1);
    assertThat(v.status().getRecent()).extracting(p -> p.getKind()).containsExactly("notfound");
  }

  @Test
  void aFailureOlderThanTheWindowNoLongerCounts() {
    PullFailure old = failure("team-a", "app", "registry.example.com/a:1", PullFailure.Kind.AUTH, NOW.minus(WINDOW));
    assertThat(PullHealth.verdict(List.of(old), NOW, WINDOW).healthy()).isTrue();
  }

  @Test
  void statusListsAtMostFivePods() {
    List<PullFailure> many = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      many.add(failure("team-a", "pod-" + i, "registry.example.com/a:1", PullFailure.Kind.AUTH, NOW.minusSeconds(i)));
    }
    PullHealth.Verdict v = PullHealth.verdict(many, NOW, WINDOW);
    assertThat(v.status().getAuth()).isEqualTo(50);
    assertThat(v.status().getRecent()).hasSize(PullHealth.RECENT_SHOWN);
    assertThat(v.message()).contains("pod team-a/pod-0,");
  }

  @Test
  void warnsOnlyWhenTheConditionTurnsFalse() {
    PullHealth.Verdict failing = PullHealth.verdict(
        List.of(failure("team-a", "app", "registry.example.com/a:1", PullFailure.Kind.AUTH, NOW)), NOW, WINDOW);
    assertThat(PullHealth.warn(null, failing)).isTrue();
    assertThat(PullHealth.warn("True", failing)).isTrue();
    assertThat(PullHealth.warn("False", failing)).isFalse();
    assertThat(PullHealth.warn(null, PullHealth.verdict(List.of(), NOW, WINDOW))).isFalse();
  }
}
