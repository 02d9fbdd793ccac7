package io.pullsecrets.operator.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pullsecrets.operator.api.RefreshSpec;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RefreshScheduleTest {
  static final Instant T0 = Instant.parse("2026-11-28T00:00:00Z");

  private static RefreshSchedule of(String before, String interval) throws Exception {
    RefreshSpec s = new RefreshSpec();
    s.setBefore(before);
    s.setInterval(interval);
    return RefreshSchedule.of(s);
  }

  @Test
  void defaultRefreshesWithAQuarterOfTheLifetimeLeft() throws Exception {
    RefreshSchedule s = RefreshSchedule.of(null);
    assertThat(s.next(T0, T0.plus(Duration.ofHours(12)), 0)).isEqualTo(T0.plus(Duration.ofHours(9)));
    assertThat(s.next(T0, T0.plus(Duration.ofHours(1)), 0)).isEqualTo(T0.plus(Duration.ofMinutes(45)));
  }

  @Test
  void jitterStaysWithinTenPercentAndBeforeExpiry() throws Exception {
    RefreshSchedule s = RefreshSchedule.of(null);
    Instant expiry = T0.plus(Duration.ofHours(12));
    assertThat(s.next(T0, expiry, 1)).isEqualTo(T0.plus(Duration.ofMinutes(9 * 60 + 54)));
    assertThat(s.next(T0, expiry, -1)).isEqualTo(T0.plus(Duration.ofMinutes(8 * 60 + 6)));
    RefreshSchedule late = of("1%", null);
    assertThat(late.next(T0, expiry, 1)).isBefore(expiry);
  }

  @Test
  void durationBeforeAndIntervalCap() throws Exception {
    assertThat(of("30m", null).next(T0, T0.plus(Duration.ofHours(1)), 0)).isEqualTo(T0.plus(Duration.ofMinutes(30)));
    assertThat(of("25%", "6h").next(T0, T0.plus(Duration.ofHours(12)), 0)).isEqualTo(T0.plus(Duration.ofHours(6)));
    assertThat(of(null, "6h").next(T0, null, 0)).isEqualTo(T0.plus(Duration.ofHours(6)));
    assertThat(RefreshSchedule.of(null).next(T0, null, 0)).isNull();
  }

  @Test
  void invalidValuesNameTheField() {
    assertThatThrownBy(() -> of("soon", null))
        .hasMessage("spec.refresh.before: 'soon' is neither a percentage (25%) nor a duration (30s, 30m, 6h)");
    assertThatThrownBy(() -> of(null, "5s")).hasMessage("spec.refresh.interval must be at least 10s");
    assertThatThrownBy(() -> of(null, "99999999999999999999h")).hasMessage("spec.refresh.interval: '99999999999999999999h' is too large");
  }

  // Issue 9, item 7: never more often than a tenth of the lifetime (at least a minute).
  @Test
  void beforeAtOrBeyondTheLifetimeIsClampedToAFloor() throws Exception {
    Instant googleExpiry = T0.plusSeconds(3599);
    RefreshSchedule hour = of("1h", null);
    assertThat(hour.next(T0, googleExpiry, 0)).isEqualTo(T0.plusMillis(359_900));
    assertThat(hour.next(T0, googleExpiry, -1)).isEqualTo(T0.plusMillis(359_900));
    assertThat(hour.next(T0, googleExpiry, 1)).isBetween(T0.plusMillis(359_900), T0.plusSeconds(396));
    assertThat(of("2h", null).next(T0, googleExpiry, 0)).isEqualTo(T0.plusMillis(359_900));
    assertThat(of("99%", null).next(T0, googleExpiry, 0)).isEqualTo(T0.plusMillis(359_900));
    assertThat(hour.clampNote(T0, googleExpiry)).hasValueSatisfying(note -> assertThat(note)
        .startsWith("refresh.before '1h' was clamped").contains("359 s"));
    // Short tokens: at least a minute between refreshes, but never past expiry.
    assertThat(of("5m", null).next(T0, T0.plusSeconds(120), 0)).isEqualTo(T0.plusSeconds(60));
    assertThat(of("5m", null).next(T0, T0.plusSeconds(30), 0)).isEqualTo(T0.plusSeconds(29));
    // Values within the floor are untouched, and say nothing.
    assertThat(of("30m", null).next(T0, googleExpiry, 0)).isEqualTo(T0.plusSeconds(1799));
    assertThat(of("30m", null).clampNote(T0, googleExpiry)).isEmpty();
    assertThat(RefreshSchedule.of(null).clampNote(T0, T0.plus(Duration.ofHours(12)))).isEmpty();
    assertThat(hour.clampNote(T0, null)).isEmpty();
  }
}
