package io.pullsecrets.operator.bench;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.pullsecrets.operator.Labels;
import java.util.Collection;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * The benchmark's own watches (its client, not the operator's) for {@link Observer} and {@link
 * FleetObserver}: each event carries the nanoTime it arrived, so that "done" is the time of the
 * last event that made it so, not the time a poll noticed.
 */
final class Watches {
  private Watches() {}

  /** One watch event and the nanoTime it arrived. */
  interface Seen<T> {
    void event(Watcher.Action action, T object, long nanoTime);
  }

  /** Managed Secrets in every namespace. */
  static Watch managedSecrets(KubernetesClient client, Seen<Secret> seen) {
    return client.secrets().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).watch(timed(seen));
  }

  /** The {@code default} ServiceAccount of every namespace. */
  static Watch defaultAccounts(KubernetesClient client, Seen<ServiceAccount> seen) {
    return client.serviceAccounts().inAnyNamespace().watch(timed((action, sa, now) -> {
      if ("default".equals(sa.getMetadata().getName())) {
        seen.event(action, sa, now);
      }
    }));
  }

  private static <T> Watcher<T> timed(Seen<T> seen) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T object) {
        seen.event(action, object, System.nanoTime());
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

  /**
   * Waits until every namespace is {@code done}; returns the latest {@code stamp} among them (the
   * nanoTime of the last change that made it so), or -1 on timeout.
   */
  static long await(Collection<String> namespaces, Predicate<String> done, ToLongFunction<String> stamp, long timeoutMs)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() < deadline) {
      long last = 0;
      boolean all = true;
      for (String ns : namespaces) {
        if (!done.test(ns)) {
          all = false;
          break;
        }
        last = Math.max(last, stamp.applyAsLong(ns));
      }
      if (all) {
        return last;
      }
      Thread.sleep(5);
    }
    return -1;
  }
}
