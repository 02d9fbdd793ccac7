package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The one retry schedule: 1 s doubling to the 5-minute cap, Retry-After, keys, one subject at a time. */
class BackoffTest {
  static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");

  @Test
  void waitsDoubleFromOneSecondUpToFiveMinutesAndNeverLessThanRetryAfter() {
    Backoff<String> b = new Backoff<>();
    assertThat(b.wait(1, null)).isEqualTo(Duration.ofSeconds(1));
    assertThat(b.wait(2, null)).isEqualTo(Duration.ofSeconds(2));
    assertThat(b.wait(9, null)).isEqualTo(Duration.ofSeconds(256));
    assertThat(b.wait(10, null)).as("the cap").isEqualTo(Duration.ofMinutes(5));
    assertThat(b.wait(1_000, null)).as("the cap, however many failures").isEqualTo(Duration.ofMinutes(5));
    assertThat(b.wait(1, Duration.ofSeconds(30))).as("the server's Retry-After").isEqualTo(Duration.ofSeconds(30));
    assertThat(b.wait(10, Duration.ofSeconds(30))).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void aFailureIsHeldUntilItsWaitEndsOrItsKeyChanges() {
    Backoff<String> b = new Backoff<>();
    Instant t = T0;
    for (int i = 0; i < 12; i++) {
      b.failed("team-a", "HTTP 500", null, "v1", t);
      t = b.nextRetry().orElseThrow();
    }
    // Twelve failures in a row: the last wait is the 5-minute cap.
    Instant lastFailure = t.minus(Duration.ofMinutes(5));
    assertThat(b.held("team-a", "v1", lastFailure.plusSeconds(299))).contains("HTTP 500");
    assertThat(b.held("team-a", "v1", lastFailure.plusSeconds(300))).isEmpty();
    assertThat(b.held("team-a", "v2", lastFailure)).as("what it should hold changed").isEmpty();
    assertThat(b.anyDue(lastFailure.plusSeconds(299))).isFalse();
    assertThat(b.anyDue(lastFailure.plusSeconds(300))).isTrue();
  }

  @Test
  void subjectsWaitOnTheirOwnAndAreForgotten() {
    Backoff<String> b = new Backoff<>();
    b.failed("team-a", "a", null, "k", T0);
    b.failed("team-a", "a", null, "k", T0);
    b.failed("team-b", "b", null, "k", T0);
    assertThat(b.nextRetry()).contains(T0.plusSeconds(1));
    b.succeeded("team-b");
    assertThat(b.nextRetry()).contains(T0.plusSeconds(2));
    b.retainOnly(Set.of("team-c"));
    assertThat(b.nextRetry()).isEmpty();
    b.failed("team-a", "a", null, "k", T0);
    assertThat(b.nextRetry()).as("a new burst starts at 1 s").contains(T0.plusSeconds(1));
    assertThat(b.size()).isEqualTo(1);
    b.retainOnly(Set.of());
    assertThat(b.held("team-a", "k", T0)).isEmpty();
    assertThat(b.size()).isZero();
  }
}
