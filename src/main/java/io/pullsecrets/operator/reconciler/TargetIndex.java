package io.pullsecrets.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which RegistryCredentials target which namespaces (as of each one's last full pass), and which
 * namespaces had an event since a credential's last reconcile. An event in one namespace reaches
 * only the credentials that target it, and their next reconcile looks only at the namespaces
 * touched. A namespace added or changed touches that namespace for every credential with a
 * recorded full pass (its next reconcile resolves whether it is a target); a namespace removed
 * moves the epoch, and every credential's next reconcile is a full pass.
 *
 * <p>A credential's own targets and touched namespaces live in its {@link CredentialState}; this
 * class keeps the reverse index, namespace to credentials, and keeps it in step.
 */
final class TargetIndex implements PerCredential {
  private final CredentialStates states;
  /**
   * Namespace to the credentials that target it: immutable sets, replaced under this object's lock
   * (a namespace is targeted by a few credentials, and 100,000 map nodes for 5,000 namespaces
   * times 20 credentials cost more than their copies).
   */
  private final Map<String, Set<ResourceID>> byNamespace = new ConcurrentHashMap<>();
  private final AtomicLong epoch = new AtomicLong();

  TargetIndex(CredentialStates states) {
    this.states = states;
  }

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
    states.find(id).filter(s -> s.targets != null).ifPresent(s -> s.touched.add(namespace));
  }

  /** The namespaces a credential targets, as of its last full pass (empty before the first). */
  Set<String> targets(ResourceID id) {
    return states.find(id).map(st -> st.targets).map(Set::copyOf).orElse(Set.of());
  }

  /** The namespaces touched since the last call, for this credential (empty: none). */
  synchronized Set<String> takeTouched(ResourceID id) {
    Optional<CredentialState> state = states.find(id);
    if (state.isEmpty() || state.get().touched.isEmpty()) {
      return Set.of();
    }
    Set<String> taken = Set.copyOf(state.get().touched);
    state.get().touched.clear();
    return taken;
  }

  /**
   * A namespace was added or changed: every credential with a recorded full pass is told it was
   * touched, and its next reconcile resolves whether that namespace is one of its targets.
   */
  synchronized void namespaceChanged(String namespace) {
    states.forEach(st -> {
      if (st.targets != null) {
        st.touched.add(namespace);
      }
    });
  }

  /** A namespace was removed: what every credential targets may have changed (each gets a full pass). */
  void namespacesChanged() {
    epoch.incrementAndGet();
  }

  long epoch() {
    return epoch.get();
  }

  /** Records the namespaces a credential targets after a full pass. */
  synchronized void update(ResourceID id, CredentialState state, Set<String> namespaces) {
    Set<String> before = state.targets == null ? Set.of() : state.targets;
    for (String ns : before) {
      if (!namespaces.contains(ns)) {
        unindex(id, ns);
      }
    }
    for (String ns : namespaces) {
      if (!before.contains(ns)) {
        byNamespace.merge(ns, Set.of(id), TargetIndex::union);
      }
    }
    state.targets = Set.copyOf(namespaces);
  }

  private void unindex(ResourceID id, String ns) {
    byNamespace.computeIfPresent(ns, (k, ids) -> {
      if (!ids.contains(id)) {
        return ids;
      }
      Set<ResourceID> rest = new HashSet<>(ids);
      rest.remove(id);
      return rest.isEmpty() ? null : Set.copyOf(rest);
    });
  }

  private static Set<ResourceID> union(Set<ResourceID> a, Set<ResourceID> b) {
    if (a.containsAll(b)) {
      return a;
    }
    Set<ResourceID> all = new HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  /** Takes the credential out of the reverse index (its state, targets included, goes with it). */
  @Override
  public synchronized void forget(CredentialResource<?> rc) {
    ResourceID id = ResourceID.fromResource(rc);
    states.find(id).map(s -> s.targets).ifPresent(targets -> targets.forEach(ns -> unindex(id, ns)));
  }

  /** Namespaces in the reverse index. */
  @Override
  public int remembered() {
    return byNamespace.size();
  }
}
