package io.pullsecrets.operator.reconciler;

import io.pullsecrets.operator.reconciler.Replicator.NamespaceResult;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Backoff per RegistryCredential and namespace: after a write fails in one namespace, that
 * namespace waits (exponentially, {@code min} to {@code max}, never sooner than the server's
 * Retry-After) while every other namespace of the credential is synced as soon as something
 * changes. A namespace is tried again at once when what it should hold changes (the key).
 */
final class NamespaceBackoff {
  private record Held(Instant until, int attempts, String key, NamespaceResult failure) {}

  private final Duration min;
  private final Duration max;
  private final Map<String, Map<String, Held>> byCredential = new ConcurrentHashMap<>();

  NamespaceBackoff(Duration min, Duration max) {
    this.min = min;
    this.max = max;
  }

  /** The failure a namespace is backing off from, while it must wait and {@code key} is unchanged. */
  Optional<NamespaceResult> heldFailure(String uid, String namespace, String key, Instant now) {
    Held held = byCredential.getOrDefault(uid, Map.of()).get(namespace);
    if (held == null || !now.isBefore(held.until()) || !held.key().equals(key)) {
      return Optional.empty();
    }
    return Optional.of(held.failure());
  }

  /** Records a failure: the namespace waits longer with each one in a row. */
  void failed(String uid, NamespaceResult failure, String key, Instant now) {
    byCredential.computeIfAbsent(uid, k -> new ConcurrentHashMap<>()).compute(failure.namespace(), (ns, previous) -> {
      int attempts = previous == null ? 1 : previous.attempts() + 1;
      long seconds = min.getSeconds() << Math.min(attempts - 1, 20);
      Duration wait = seconds > max.getSeconds() ? max : Duration.ofSeconds(seconds);
      if (failure.retryAfter() != null && failure.retryAfter().compareTo(wait) > 0) {
        wait = failure.retryAfter();
      }
      return new Held(now.plus(wait), attempts, key, failure);
    });
  }

  void succeeded(String uid, String namespace) {
    Map<String, Held> held = byCredential.get(uid);
    if (held != null) {
      held.remove(namespace);
    }
  }

  /** Forgets namespaces that are no longer in {@code namespaces}. */
  void retainOnly(String uid, Set<String> namespaces) {
    Map<String, Held> held = byCredential.get(uid);
    if (held != null) {
      held.keySet().retainAll(namespaces);
      if (held.isEmpty()) {
        byCredential.remove(uid);
      }
    }
  }

  /** When the earliest waiting namespace may be tried again (empty: none is waiting). */
  Optional<Instant> nextRetry(String uid) {
    return byCredential.getOrDefault(uid, Map.of()).values().stream().map(Held::until).min(Instant::compareTo);
  }

  void forget(String uid) {
    byCredential.remove(uid);
  }
}
