package io.pullsecrets.operator.spec;

import io.pullsecrets.operator.api.RefreshSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When to refresh a credential: at {@code expiresAt - before} (a share of the lifetime, default
 * 25%, or a duration), moved by up to ±10% of the wait so that many credentials do not refresh at
 * once, and never later than {@code interval} when one is set. A credential without expiry and
 * without interval is refreshed only when its inputs change.
 *
 * <p>A {@code before} that leaves less than {@link #floor a floor} between refreshes (a tenth of
 * the lifetime, at least a minute; say {@code 1h} with Google's 3,599-second tokens) is clamped to
 * it, so that a token is never refreshed over and over; {@link #clampNote} says so for status.
 */
public final class RefreshSchedule {
  public static final String DEFAULT_BEFORE = "25%";
  static final Duration MIN_WAIT = Duration.ofSeconds(1);
  static final Duration MIN_INTERVAL = Duration.ofSeconds(10);
  /** The shortest wait between expiry-driven refreshes: this share of the lifetime... */
  static final int FLOOR_DIVISOR = 10;
  /** ...and at least this long (tokens living less than that are refreshed just before they expire). */
  static final Duration MIN_FLOOR = Duration.ofMinutes(1);
  private static final Pattern PERCENT = Pattern.compile("^([0-9]{1,2})%$");
  private static final Pattern DURATION = Pattern.compile("^([0-9]+)(s|m|h)$");

  private final Duration beforeDuration;
  private final Integer beforePercent;
  private final Duration interval;

  private final String beforeText;

  private RefreshSchedule(String beforeText, Duration beforeDuration, Integer beforePercent, Duration interval) {
    this.beforeText = beforeText;
    this.beforeDuration = beforeDuration;
    this.beforePercent = beforePercent;
    this.interval = interval;
  }

  /** A spec that cannot be parsed; the message names the field. */
  public static final class InvalidRefreshException extends Exception {
    InvalidRefreshException(String message) {
      super(message, null, false, false);
    }
  }

  public static RefreshSchedule of(RefreshSpec spec) throws InvalidRefreshException {
    String before = spec == null || spec.getBefore() == null ? DEFAULT_BEFORE : spec.getBefore().trim();
    Duration beforeDuration = null;
    Integer beforePercent = null;
    Matcher m = PERCENT.matcher(before);
    if (m.matches()) {
      beforePercent = Integer.parseInt(m.group(1));
    } else {
      beforeDuration = parseDuration(before, "spec.refresh.before");
    }
    Duration interval = spec == null || spec.getInterval() == null
        ? null
        : parseDuration(spec.getInterval().trim(), "spec.refresh.interval");
    if (interval != null && interval.compareTo(MIN_INTERVAL) < 0) {
      throw new InvalidRefreshException("spec.refresh.interval must be at least 10s");
    }
    return new RefreshSchedule(before, beforeDuration, beforePercent, interval);
  }

  /**
   * The next refresh for a credential obtained at {@code obtainedAt} that expires at
   * {@code expiresAt} (null: no expiry); {@code jitter} in [-1, 1] picks the point in the ±10%
   * window. Null means: only when the inputs change.
   */
  public Instant next(Instant obtainedAt, Instant expiresAt, double jitter) {
    Instant byInterval = interval == null ? null : obtainedAt.plus(interval);
    if (expiresAt == null) {
      return byInterval;
    }
    Duration lifetime = Duration.between(obtainedAt, expiresAt);
    if (lifetime.isNegative() || lifetime.isZero()) {
      return obtainedAt.plus(MIN_WAIT);
    }
    Duration floor = floor(lifetime);
    Duration wait = unclampedWait(lifetime);
    if (wait.compareTo(floor) < 0) {
      wait = floor;
    }
    long jitterMillis = (long) (wait.toMillis() * 0.10 * Math.max(-1, Math.min(1, jitter)));
    wait = wait.plusMillis(jitterMillis);
    // never past expiry, never sooner than the floor (jitter included)
    Duration latest = latest(lifetime);
    if (wait.compareTo(latest) > 0) {
      wait = latest;
    }
    if (wait.compareTo(floor) < 0) {
      wait = floor;
    }
    Instant at = obtainedAt.plus(wait);
    return byInterval != null && byInterval.isBefore(at) ? byInterval : at;
  }

  /**
   * Why the next refresh comes later than {@code before} asks, for the condition message; empty
   * when {@code before} is honoured (or the credential does not expire).
   */
  public java.util.Optional<String> clampNote(Instant obtainedAt, Instant expiresAt) {
    if (expiresAt == null) {
      return java.util.Optional.empty();
    }
    Duration lifetime = Duration.between(obtainedAt, expiresAt);
    if (lifetime.isNegative() || lifetime.isZero()) {
      return java.util.Optional.empty();
    }
    Duration floor = floor(lifetime);
    if (unclampedWait(lifetime).compareTo(floor) >= 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of("refresh.before '" + beforeText + "' was clamped: it leaves less than a tenth of the token's "
        + lifetime.toSeconds() + " s lifetime (at least " + MIN_FLOOR.toSeconds() + " s) between refreshes; refreshing "
        + floor.toSeconds() + " s after each refresh instead");
  }

  /** The wait {@code before} asks for (never negative). */
  private Duration unclampedWait(Duration lifetime) {
    Duration before = beforePercent != null
        ? lifetime.multipliedBy(beforePercent).dividedBy(100)
        : beforeDuration;
    return before.compareTo(lifetime) > 0 ? Duration.ZERO : lifetime.minus(before);
  }

  /** The shortest steady-state wait: a tenth of the lifetime, at least a minute, never past expiry. */
  static Duration floor(Duration lifetime) {
    Duration floor = lifetime.dividedBy(FLOOR_DIVISOR);
    if (floor.compareTo(MIN_FLOOR) < 0) {
      floor = MIN_FLOOR;
    }
    Duration latest = latest(lifetime);
    return floor.compareTo(latest) > 0 ? latest : floor;
  }

  /** The latest refresh: a second before expiry (or at it, for tokens living under a second). */
  private static Duration latest(Duration lifetime) {
    return lifetime.minus(MIN_WAIT.compareTo(lifetime) < 0 ? MIN_WAIT : Duration.ZERO);
  }

  static Duration parseDuration(String value, String field) throws InvalidRefreshException {
    Matcher m = DURATION.matcher(value);
    if (!m.matches()) {
      throw new InvalidRefreshException(field + ": '" + value + "' is neither a percentage (25%) nor a duration (30s, 30m, 6h)");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new InvalidRefreshException(field + ": '" + value + "' is too large");
    }
    if (n > 10_000_000L) {
      throw new InvalidRefreshException(field + ": '" + value + "' is too large");
    }
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }
}
