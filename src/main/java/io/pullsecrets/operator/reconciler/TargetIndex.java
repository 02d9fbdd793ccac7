package io.pullsecrets.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pullsecrets.operator.api.RegistryCredential;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which RegistryCredentials target which namespaces (as of each one's last full pass), and which
 * namespaces had an event since a credential's last reconcile. An event in one namespace reaches
 * only the credentials that target it, and their next reconcile looks only at the namespaces
 * touched. A namespace added or changed touches that namespace for every credential (its next
 * reconcile resolves whether it is a target); a namespace removed moves the epoch, and every
 * credential's next reconcile is a full pass.
 */
final class TargetIndex implements PerCredential {
  private final Map<String, Set<ResourceID>> byNamespace = new ConcurrentHashMap<>();
  private final Map<ResourceID, Set<String>> targetsOf = new ConcurrentHashMap<>();
  private final Map<ResourceID, Set<String>> touched = new ConcurrentHashMap<>();
  private final AtomicLong epoch = new AtomicLong();

  /** The credentials that target {@code namespace} (after their last full pass); none is told anything. */
  Set<ResourceID> targeting(String namespace) {
    return Set.copyOf(byNamespace.getOrDefault(namespace, Set.of()));
  }

  /** The credentials that target {@code namespace}; each is told the namespace was touched. */
  Set<ResourceID> touch(String namespace) {
    Set<ResourceID> ids = Set.copyOf(byNamespace.getOrDefault(namespace, Set.of()));
    ids.forEach(id -> touch(id, namespace));
    return ids;
  }

  /**
   * Tells one credential that {@code namespace} had an event. Only a credential with a recorded
   * full pass is told: before its first one every pass is full anyway, and after it is forgotten
   * (deleted) the events its cleanup causes must not leave entries nobody takes.
   */
  synchronized void touch(ResourceID id, String namespace) {
    if (targetsOf.containsKey(id)) {
      touched.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(namespace);
    }
  }

  /** The namespaces a credential targets, as of its last full pass (empty before the first). */
  Set<String> targets(ResourceID id) {
    return Set.copyOf(targetsOf.getOrDefault(id, Set.of()));
  }

  /** The namespaces touched since the last call, for this credential (empty: none). */
  Set<String> takeTouched(ResourceID id) {
    Set<String> taken = touched.remove(id);
    return taken == null ? Set.of() : Set.copyOf(taken);
  }

  /**
   * A namespace was added or changed: every credential with a recorded full pass is told it was
   * touched, and its next reconcile resolves whether that namespace is one of its targets.
   */
  synchronized void namespaceChanged(String namespace) {
    for (ResourceID id : targetsOf.keySet()) {
      touched.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(namespace);
    }
  }

  /** A namespace was removed: what every credential targets may have changed (each gets a full pass). */
  void namespacesChanged() {
    epoch.incrementAndGet();
  }

  long epoch() {
    return epoch.get();
  }

  /** Records the namespaces a credential targets after a full pass. */
  synchronized void update(ResourceID id, Set<String> namespaces) {
    Set<String> before = targetsOf.getOrDefault(id, Set.of());
    for (String ns : before) {
      if (!namespaces.contains(ns)) {
        byNamespace.computeIfPresent(ns, (k, ids) -> {
          ids.remove(id);
          return ids.isEmpty() ? null : ids;
        });
      }
    }
    for (String ns : namespaces) {
      if (!before.contains(ns)) {
        byNamespace.computeIfAbsent(ns, k -> ConcurrentHashMap.newKeySet()).add(id);
      }
    }
    targetsOf.put(id, new HashSet<>(namespaces));
  }

  @Override
  public synchronized void forget(RegistryCredential rc) {
    ResourceID id = ResourceID.fromResource(rc);
    update(id, Set.of());
    targetsOf.remove(id);
    touched.remove(id);
  }

  @Override
  public int remembered() {
    return byNamespace.size() + targetsOf.size() + touched.size();
  }
}
