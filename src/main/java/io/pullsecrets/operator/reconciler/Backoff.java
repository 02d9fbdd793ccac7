package io.pullsecrets.operator.reconciler;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's one retry schedule for failures it reports in status (a failed fetch, a namespace
 * whose writes fail, a namespace where removing a Secret fails): per subject of one
 * RegistryCredential (its {@link CredentialState} holds one per kind), the failure waits
 * exponentially from {@link #MIN} to {@link #MAX}, never sooner than the server's Retry-After, and
 * is tried again at once when what the subject should hold changes (the key). Every other subject
 * goes on meanwhile. JOSDK's own retry is left for exceptions nobody expected (it logs each one
 * with a stack trace).
 *
 * @param <F> what the failure is remembered as (it keeps the status steady while waiting)
 */
final class Backoff<F> {
  static final Duration MIN = Duration.ofSeconds(1);
  static final Duration MAX = Duration.ofMinutes(5);

  private record Held<F>(Instant until, int attempts, String key, F failure) {}

  private final Map<String, Held<F>> bySubject = new ConcurrentHashMap<>();

  Backoff() {}

  /** The failure {@code subject} is backing off from, while it must wait and {@code key} is unchanged. */
  Optional<F> held(String subject, String key, Instant now) {
    Held<F> held = bySubject.get(subject);
    if (held == null || !now.isBefore(held.until()) || !held.key().equals(key)) {
      return Optional.empty();
    }
    return Optional.of(held.failure());
  }

  /** Records a failure: the subject waits longer with each one in a row. */
  void failed(String subject, F failure, Duration retryAfter, String key, Instant now) {
    bySubject.compute(subject, (s, previous) -> {
      int attempts = previous == null ? 1 : previous.attempts() + 1;
      return new Held<>(now.plus(wait(attempts, retryAfter)), attempts, key, failure);
    });
  }

  /** The wait after {@code attempts} failures in a row: MIN, doubled each time, at most MAX. */
  Duration wait(int attempts, Duration retryAfter) {
    long seconds = MIN.getSeconds() << Math.min(attempts - 1, 20);
    Duration wait = seconds > MAX.getSeconds() ? MAX : Duration.ofSeconds(seconds);
    return retryAfter != null && retryAfter.compareTo(wait) > 0 ? retryAfter : wait;
  }

  void succeeded(String subject) {
    bySubject.remove(subject);
  }

  /** Forgets subjects that are no longer in {@code subjects}. */
  void retainOnly(Set<String> subjects) {
    bySubject.keySet().retainAll(subjects);
  }

  /** When the earliest waiting subject may be tried again (empty: none is waiting). */
  Optional<Instant> nextRetry() {
    return bySubject.values().stream().map(Held::until).min(Instant::compareTo);
  }

  /** Whether some subject's wait has ended (a retry is due). */
  boolean anyDue(Instant now) {
    return nextRetry().map(at -> !now.isBefore(at)).orElse(false);
  }

  /** Subjects backing off. */
  int size() {
    return bySubject.size();
  }
}
