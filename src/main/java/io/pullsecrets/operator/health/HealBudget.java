package io.pullsecrets.operator.health;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * How many pods healing may delete: at most {@code perNamespace} per namespace and {@code overall}
 * in all, in any {@code period} (a sliding window). The time is passed in.
 */
public final class HealBudget {
  public static final int PER_NAMESPACE = 5;
  public static final int OVERALL = 20;
  public static final Duration PERIOD = Duration.ofMinutes(1);

  private final int perNamespace;
  private final int overall;
  private final Duration period;
  private final Deque<Instant> all = new ArrayDeque<>();
  private final Map<String, Deque<Instant>> byNamespace = new HashMap<>();

  public HealBudget() {
    this(PER_NAMESPACE, OVERALL, PERIOD);
  }

  public HealBudget(int perNamespace, int overall, Duration period) {
    this.perNamespace = perNamespace;
    this.overall = overall;
    this.period = period;
  }

  /** Takes one deletion in {@code namespace} at {@code now}, if both limits allow it. */
  public synchronized boolean take(String namespace, Instant now) {
    Instant since = now.minus(period);
    drop(all, since);
    byNamespace.values().forEach(d -> drop(d, since));
    byNamespace.values().removeIf(Deque::isEmpty);
    Deque<Instant> ns = byNamespace.computeIfAbsent(namespace, k -> new ArrayDeque<>());
    if (all.size() >= overall || ns.size() >= perNamespace) {
      if (ns.isEmpty()) {
        byNamespace.remove(namespace);
      }
      return false;
    }
    all.addLast(now);
    ns.addLast(now);
    return true;
  }

  private static void drop(Deque<Instant> d, Instant since) {
    while (!d.isEmpty() && !d.peekFirst().isAfter(since)) {
      d.removeFirst();
    }
  }
}
