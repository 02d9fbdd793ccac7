package io.pullsecrets.operator.bench;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.pullsecrets.operator.Labels;
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
    secrets = client.secrets().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Secret s) {
        long now = System.nanoTime();
        if (!secretName.equals(s.getMetadata().getName())) {
          return;
        }
        String ns = s.getMetadata().getNamespace();
        if (action == Action.DELETED) {
          data.remove(ns);
        } else {
          data.put(ns, s.getData() == null ? "" : String.valueOf(s.getData().get(".dockerconfigjson")));
        }
        dataAt.put(ns, now);
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
    accounts = client.serviceAccounts().inAnyNamespace().watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ServiceAccount sa) {
        long now = System.nanoTime();
        if (!"default".equals(sa.getMetadata().getName())) {
          return;
        }
        String ns = sa.getMetadata().getNamespace();
        boolean has = action != Action.DELETED && ServiceAccountPatches.hasEntry(sa, secretName);
        Boolean before = entry.put(ns, has);
        if (before == null || before != has) {
          entryAt.put(ns, now);
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
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
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() < deadline) {
      long last = 0;
      boolean all = true;
      for (String ns : namespaces) {
        Seen s = seen(ns);
        if (!done.test(s)) {
          all = false;
          break;
        }
        if (stampData) {
          last = Math.max(last, s.dataAt());
        }
        if (stampEntry) {
          last = Math.max(last, s.entryAt());
        }
      }
      if (all) {
        return last;
      }
      Thread.sleep(5);
    }
    return -1;
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
