package io.pullsecrets.operator.reconciler;

import static io.pullsecrets.operator.reconciler.StatusAggregatorTest.BAD_SOURCE;
import static io.pullsecrets.operator.reconciler.StatusAggregatorTest.DOWN;
import static io.pullsecrets.operator.reconciler.StatusAggregatorTest.NOW;
import static io.pullsecrets.operator.reconciler.StatusAggregatorTest.conflict;
import static io.pullsecrets.operator.reconciler.StatusAggregatorTest.failed;
import static io.pullsecrets.operator.reconciler.StatusAggregatorTest.sync;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.RegistryCredentialStatus;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.reconciler.StatusAggregator.Outcome;
import io.pullsecrets.operator.reconciler.StatusAggregator.Retries;
import io.pullsecrets.operator.reconciler.StatusAggregator.Served;
import io.pullsecrets.operator.reconciler.StatusAggregator.Stalled;
import io.pullsecrets.operator.reconciler.StatusAggregator.Sync;
import io.pullsecrets.operator.reconciler.StatusAggregator.Unavailable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * When a credential is reconciled again, decided with its status by the pure
 * {@link StatusAggregator}: one row per rule (retries, refresh, expiry, conflicts, the full-pass
 * safety net), with the retries the phases left waiting.
 */
class RequeueTest {
  static final Duration RECHECK = Duration.ofMinutes(1);
  static final Duration NEVER = null;

  static Instant in(long seconds) {
    return NOW.plusSeconds(seconds);
  }

  static Retries retries(Instant fetch, Instant sync, Instant cleanup) {
    return new Retries(fetch, sync, cleanup);
  }

  /** Served with this expiry and next refresh (null: none). */
  static Served served(Instant expiresAt, Instant nextRefresh, Sync sync, ProviderException fetchError) {
    return new Served(expiresAt, NOW.minusSeconds(60), nextRefresh, List.of("registry.example.com"), "valid", null,
        fetchError, sync, "regcred");
  }

  static Served healthy(Instant expiresAt, Instant nextRefresh) {
    return served(expiresAt, nextRefresh, sync(2), null);
  }

  static Arguments row(String name, Outcome outcome, Retries retries, Duration expected) {
    return Arguments.of(name, outcome, retries, expected);
  }

  static Stream<Arguments> rows() {
    Stalled invalid = new Stalled("InvalidSpec", "spec is missing");
    Stalled notPermitted = new Stalled("NotPermitted", "not trusted");
    return Stream.of(
        row("stalled, nothing waiting: only the next event", invalid, Retries.NONE, NEVER),
        row("stalled, a cleanup backing off: its retry", notPermitted, retries(null, null, in(30)), Duration.ofSeconds(30)),
        row("stalled ignores fetch and sync retries", notPermitted, retries(in(5), in(5), null), NEVER),
        row("unavailable, retryable: the fetch retry", new Unavailable(DOWN, false), retries(in(10), null, in(40)),
            Duration.ofSeconds(10)),
        row("unavailable, retryable: an earlier cleanup retry", new Unavailable(DOWN, false), retries(in(50), null, in(40)),
            Duration.ofSeconds(40)),
        row("unavailable, not retryable: the cleanup retry only", new Unavailable(BAD_SOURCE, false),
            retries(in(10), null, in(40)), Duration.ofSeconds(40)),
        row("unavailable, not retryable, nothing else: only the next event", new Unavailable(BAD_SOURCE, true),
            retries(in(10), null, null), NEVER),
        row("unavailable ignores sync retries", new Unavailable(DOWN, true), retries(null, in(5), null), NEVER),
        row("served, refresh far away: the full-pass safety net", healthy(in(12 * 3600), in(11 * 3600)), Retries.NONE,
            Replication.FULL_PASS_EVERY),
        row("served, refresh soon: the refresh", healthy(in(3600), in(120)), Retries.NONE, Duration.ofMinutes(2)),
        row("served, never expires, no refresh: the safety net", healthy(null, null), Retries.NONE,
            Replication.FULL_PASS_EVERY),
        row("served, a namespace backing off: its retry", healthy(in(3600), in(1800)), retries(null, in(20), null),
            Duration.ofSeconds(20)),
        row("served, a cleanup backing off: its retry", healthy(in(3600), in(1800)), retries(null, in(25), in(15)),
            Duration.ofSeconds(15)),
        row("served, refresh before a retry: the refresh", healthy(in(5), in(1)), retries(null, in(60), null),
            Duration.ofSeconds(1)),
        row("served, a retry after the token expires: expiry + 1 s", healthy(in(5), in(600)),
            retries(null, in(60), null), Duration.ofSeconds(6)),
        row("served, no retry: expiry alone does not requeue", healthy(in(5), in(600)), Retries.NONE,
            Duration.ofMinutes(10)),
        row("served, refresh failing (retryable): the fetch retry", served(in(3600), in(1800), sync(2), DOWN),
            retries(in(15), null, null), Duration.ofSeconds(15)),
        row("served, refresh failing (not retryable): fetch retry ignored", served(in(3600), in(1800), sync(2), BAD_SOURCE),
            retries(in(15), null, null), Replication.FULL_PASS_EVERY),
        row("served, a conflict: the conflict re-check", served(in(3600), in(1800), sync(2, conflict("team-b")), null),
            Retries.NONE, RECHECK),
        row("served, a conflict and an earlier retry: the retry", served(in(3600), in(1800), sync(2, conflict("team-b"),
            failed("team-c")), null), retries(null, in(20), null), Duration.ofSeconds(20)),
        row("served, a retry already due: at once, never negative", healthy(in(3600), in(1800)),
            retries(null, NOW.minusSeconds(5), null), Duration.ZERO),
        row("stalled, a cleanup retry already due: at once", notPermitted, retries(null, null, NOW.minusSeconds(1)),
            Duration.ZERO));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void requeue(String name, Outcome outcome, Retries retries, Duration expected) {
    StatusAggregator.Report report = StatusAggregator.report(new RegistryCredentialStatus(), 3L, "static", outcome,
        retries, RECHECK, NOW);
    assertThat(report.requeue()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "conflict re-check {0}")
  @MethodSource("rechecks")
  void theConflictRecheckIsConfigurable(Duration recheck, Duration expected) {
    Served conflicted = served(in(3600), in(1800), sync(2, conflict("team-b")), null);
    assertThat(StatusAggregator.report(new RegistryCredentialStatus(), 3L, "static", conflicted, Retries.NONE, recheck, NOW)
        .requeue()).isEqualTo(expected);
  }

  static Stream<Arguments> rechecks() {
    return Stream.of(
        Arguments.of(Duration.ofSeconds(5), Duration.ofSeconds(5)),
        Arguments.of(Duration.ofMinutes(5), Duration.ofMinutes(5)),
        Arguments.of(Duration.ofHours(2), Replication.FULL_PASS_EVERY));
  }
}
