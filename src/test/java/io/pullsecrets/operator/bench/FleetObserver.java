package io.pullsecrets.operator.bench;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The many-credential twin of {@link Observer}: through the benchmark's own watches, how many
 * managed Secrets named {@code <prefix>*} each namespace holds and how many such entries its
 * {@code default} ServiceAccount has, with the time of the last change, and the last
 * resourceVersion of each {@code default} ServiceAccount seen.
 */
final class FleetObserver implements AutoCloseable {
  private final String prefix;
  private final Map<String, Set<String>> secrets = new ConcurrentHashMap<>();
  private final Map<String, Integer> entries = new ConcurrentHashMap<>();
  private final Map<String, String> accountVersion = new ConcurrentHashMap<>();
  private final Map<String, Long> changedAt = new ConcurrentHashMap<>();
  private final Watch secretWatch;
  private final Watch accountWatch;

  FleetObserver(KubernetesClient client, String prefix) {
    this.prefix = prefix;
    secretWatch = Watches.managedSecrets(client, (action, s, now) -> {
      String name = s.getMetadata().getName();
      if (!name.startsWith(prefix)) {
        return;
      }
      String ns = s.getMetadata().getNamespace();
      Set<String> have = secrets.computeIfAbsent(ns, k -> ConcurrentHashMap.newKeySet());
      boolean changed = action == Watcher.Action.DELETED ? have.remove(name) : have.add(name);
      if (changed) {
        changedAt.put(ns, now);
      }
    });
    accountWatch = Watches.defaultAccounts(client, (action, sa, now) -> {
      String ns = sa.getMetadata().getNamespace();
      int count = action == Watcher.Action.DELETED || sa.getImagePullSecrets() == null ? 0
          : (int) sa.getImagePullSecrets().stream().map(LocalObjectReference::getName)
              .filter(n -> n != null && n.startsWith(prefix)).count();
      Integer before = entries.put(ns, count);
      if (before == null || before != count) {
        changedAt.put(ns, now);
      }
      accountVersion.put(ns, sa.getMetadata().getResourceVersion());
    });
  }

  int accountsSeen() {
    return entries.size();
  }

  String accountVersion(String ns) {
    return accountVersion.get(ns);
  }

  boolean has(String ns, int want) {
    return secrets.getOrDefault(ns, Set.of()).size() == want && entries.getOrDefault(ns, 0) == want;
  }

  long count(Collection<String> namespaces, int want) {
    return namespaces.stream().filter(ns -> has(ns, want)).count();
  }

  /**
   * Waits until every namespace holds {@code want} Secrets and {@code want} entries; returns the
   * nanoTime of the last change that made it so, or -1 on timeout.
   */
  long await(Collection<String> namespaces, int want, long timeoutMs) throws InterruptedException {
    return Watches.await(namespaces, ns -> has(ns, want), ns -> changedAt.getOrDefault(ns, 0L), timeoutMs);
  }

  /** Waits until this watch has seen {@code resourceVersion} (or a later change) of the namespace's default ServiceAccount. */
  boolean awaitAccountVersion(String ns, String resourceVersion, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() < deadline) {
      String seen = accountVersion.get(ns);
      if (seen != null && Long.parseLong(seen) >= Long.parseLong(resourceVersion)) {
        return true;
      }
      Thread.sleep(2);
    }
    return false;
  }

  @Override
  public void close() {
    secretWatch.close();
    accountWatch.close();
  }
}
