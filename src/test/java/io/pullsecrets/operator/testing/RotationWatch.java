package io.pullsecrets.operator.testing;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Watches the Secret {@code name} in every namespace and remembers when ({@link System#nanoTime})
 * each value that {@code login} reads from it was first seen in each namespace. A rotation window
 * is measured from the moment the registry accepted a new secret to the event that showed it in
 * the last target namespace.
 */
public final class RotationWatch implements AutoCloseable {
  private final Map<String, Map<String, Long>> seen = new ConcurrentHashMap<>();
  private final Watch watch;

  public RotationWatch(KubernetesClient client, String name, Function<Secret, String> login) {
    watch = client.secrets().inAnyNamespace().withField("metadata.name", name).watch(new Watcher<Secret>() {
      @Override
      public void eventReceived(Action action, Secret s) {
        long at = System.nanoTime();
        String value = login.apply(s);
        if (value != null) {
          seen.computeIfAbsent(s.getMetadata().getNamespace(), k -> new ConcurrentHashMap<>()).putIfAbsent(value, at);
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
  }

  /** Whether an event in each of {@code namespaces} has shown {@code value}. */
  public boolean seenIn(List<String> namespaces, String value) {
    return namespaces.stream().allMatch(ns -> seen.getOrDefault(ns, Map.of()).containsKey(value));
  }

  /** Milliseconds from {@code acceptedNanos} to the last of {@code namespaces} showing {@code value}. */
  public double windowMillis(List<String> namespaces, String value, long acceptedNanos) {
    long last = namespaces.stream().mapToLong(ns -> seen.get(ns).get(value)).max().orElseThrow();
    return (last - acceptedNanos) / 1e6;
  }

  /** {@code rotations=N all=[...] median=M max=X} (milliseconds), the line the rotation tests print. */
  public static String summary(List<Double> windows) {
    List<Double> sorted = new ArrayList<>(windows);
    sorted.sort(null);
    return String.format("rotations=%d all=%s median=%.1f max=%.1f", windows.size(),
        windows.stream().map(w -> String.format("%.1f", w)).toList(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
  }

  @Override
  public void close() {
    watch.close();
  }
}
