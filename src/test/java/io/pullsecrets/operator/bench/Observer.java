package io.pullsecrets.operator.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.pullsecrets.operator.reconciler.ServiceAccountPatches;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Sees the cluster as a user would, through two watches of the benchmark's own (not the
 * operator's) client: managed Secrets and default service accounts. Each observation carries the
 * time it arrived, so that "done" is the time of the last event that made it so, not the time a
 * poll noticed.
 */
final class Observer implements AutoCloseable {
  /** What a namespace holds: the managed Secret's data (null: none) and whether its SA has the entry. */
  record Seen(String data, long dataAt, boolean entry, long entryAt) {}

  private final String secretName;
  private final Map<String, String> data = new ConcurrentHashMap<>();
  private final Map<String, Long> dataAt = new ConcurrentHashMap<>();
  private final Map<String, Boolean> entry = new ConcurrentHashMap<>();
  private final Map<String, Long> entryAt = new ConcurrentHashMap<>();
  private final Watch secrets;
  private final Watch accounts;

  Observer(KubernetesClient client, String secretName) {
    this.secretName = secretName;
    secrets = Watches.managedSecrets(client, (action, s, now) -> {
      if (!secretName.equals(s.getMetadata().getName())) {
        return;
      }
      String ns = s.getMetadata().getNamespace();
      if (action == Watcher.Action.DELETED) {
        data.remove(ns);
      } else {
        data.put(ns, s.getData() == null ? "" : String.valueOf(s.getData().get(".dockerconfigjson")));
      }
      dataAt.put(ns, now);
    });
    accounts = Watches.defaultAccounts(client, (action, sa, now) -> {
      String ns = sa.getMetadata().getNamespace();
      boolean has = action != Watcher.Action.DELETED && ServiceAccountPatches.hasEntry(sa, secretName);
      Boolean before = entry.put(ns, has);
      if (before == null || before != has) {
        entryAt.put(ns, now);
      }
    });
  }

  Seen seen(String ns) {
    return new Seen(data.get(ns), dataAt.getOrDefault(ns, 0L), entry.getOrDefault(ns, false), entryAt.getOrDefault(ns, 0L));
  }

  int accountsSeen() {
    return entry.size();
  }

  String data(String ns) {
    return data.get(ns);
  }

  /**
   * Waits until every namespace satisfies {@code done}; returns the nanoTime of the last event
   * among {@code stamp} (secret, entry or both), or -1 on timeout.
   */
  long await(Collection<String> namespaces, Predicate<Seen> done, boolean stampData, boolean stampEntry, long timeoutMs)
      throws InterruptedException {
    return Watches.await(namespaces, ns -> done.test(seen(ns)), ns -> {
      Seen s = seen(ns);
      return Math.max(stampData ? s.dataAt() : 0, stampEntry ? s.entryAt() : 0);
    }, timeoutMs);
  }

  /** How many of these namespaces satisfy {@code done} now. */
  long count(Collection<String> namespaces, Predicate<Seen> done) {
    return namespaces.stream().map(this::seen).filter(done).count();
  }

  @Override
  public void close() {
    secrets.close();
    accounts.close();
  }
}
