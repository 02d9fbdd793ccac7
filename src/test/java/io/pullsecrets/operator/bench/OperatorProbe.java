package io.pullsecrets.operator.bench;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs in the operator's child JVM: how much CPU the operator has used, how much JOSDK work it has
 * seen (JOSDK's own counters in the operator's metrics), and whether it is quiet. The child's own
 * threads (its command loop, which also runs {@link #awaitQuiet}, and the heap sampler) are the
 * benchmark's work, not the operator's: their CPU is subtracted.
 */
final class OperatorProbe {
  /** Interval between samples while waiting for quiet. */
  static final long POLL_MS = 50;
  /** A poll interval in which the operator's threads used more than this share of one core counts as activity. */
  static final double BUSY_SHARE = 0.10;

  /**
   * One reading. {@code processCpu}: the process's CPU (all threads, GC and JIT included; the
   * kernel counts it in 10 ms ticks) minus the benchmark's threads. {@code threadCpu}: the sum over
   * live Java threads other than the benchmark's (nanosecond resolution; used to see activity).
   * {@code events}, {@code started}, {@code queued}: JOSDK's events received, reconciles started,
   * reconciles submitted and not yet finished.
   */
  record Stats(long processCpuNanos, long threadCpuNanos, long events, long started, long queued) {
    String line() {
      return "processCpu=" + processCpuNanos + " threadCpu=" + threadCpuNanos + " events=" + events + " started=" + started
          + " queued=" + queued;
    }

    static Stats parse(String line) {
      long[] v = new long[5];
      String[] keys = {"processCpu", "threadCpu", "events", "started", "queued"};
      for (String kv : line.trim().split(" ")) {
        String[] p = kv.split("=");
        for (int i = 0; i < keys.length; i++) {
          if (keys[i].equals(p[0])) {
            v[i] = Long.parseLong(p[1]);
          }
        }
      }
      return new Stats(v[0], v[1], v[2], v[3], v[4]);
    }
  }

  /** JOSDK's counters: events received, reconciles started, reconciles submitted and not yet finished. */
  record Josdk(long events, long started, long queued) {}

  private final Supplier<Josdk> josdk;
  private final Set<Long> benchThreads;
  private final com.sun.management.ThreadMXBean threads =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  OperatorProbe(Supplier<Josdk> josdk, Set<Long> benchThreads) {
    this.josdk = josdk;
    this.benchThreads = benchThreads;
  }

  /**
   * JOSDK's counters read from the registry behind the operator's JOSDK metrics. The registry is a
   * private field of JOSDK's {@link MicrometerMetrics} (no getter in 5.2); reading the meters
   * directly allocates next to nothing, where a Prometheus scrape would make garbage in the
   * measured JVM.
   */
  static Supplier<Josdk> josdk(Metrics metrics) {
    try {
      Field f = MicrometerMetrics.class.getDeclaredField("registry");
      f.setAccessible(true);
      MeterRegistry registry = (MeterRegistry) f.get(metrics);
      return () -> read(registry);
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException("the operator's JOSDK metrics are not JOSDK's MicrometerMetrics 5.2", e);
    }
  }

  static Josdk read(MeterRegistry registry) {
    long events = 0;
    long started = 0;
    long queued = 0;
    for (Meter m : registry.getMeters()) {
      String name = m.getId().getName();
      if (m instanceof Counter c && name.equals("operator.sdk.events.received")) {
        events += Math.round(c.count());
      } else if (m instanceof Counter c && name.equals("operator.sdk.reconciliations.started")) {
        started += Math.round(c.count());
      } else if (m instanceof Gauge g && name.startsWith("operator.sdk.reconciliations.queue.size.")) {
        queued += Math.round(g.value());
      }
    }
    return new Josdk(events, started, queued);
  }

  Stats stats() {
    Josdk j = josdk.get();
    return new Stats(os.getProcessCpuTime() - benchCpu(), threadCpu(), j.events(), j.started(), j.queued());
  }

  /** CPU of the live Java threads other than the benchmark's, in ns. */
  private long threadCpu() {
    long all = 0;
    for (long t : threads.getThreadCpuTime(threads.getAllThreadIds())) {
      all += Math.max(t, 0);
    }
    return all - benchCpu();
  }

  private long benchCpu() {
    long sum = 0;
    for (long id : benchThreads) {
      sum += Math.max(threads.getThreadCpuTime(id), 0);
    }
    return sum;
  }

  /**
   * Waits until the operator has been quiet for {@code windowMs}: between the window's first and
   * last reading no event received, no reconcile started, none queued or running at its end, and
   * in no poll interval did its threads use more than {@link #BUSY_SHARE} of a core. The JOSDK
   * counters are read only at the window's ends; in between only thread CPU is read, so that the
   * polling itself costs the operator's JVM little. Returns the ms waited,
   * or -1 when it was not quiet within {@code timeoutMs}.
   */
  long awaitQuiet(long windowMs, long timeoutMs) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + timeoutMs * 1_000_000L;
    while (System.nanoTime() < deadline) {
      Stats first = stats();
      long windowStart = System.nanoTime();
      if (quietThrough(windowStart, windowMs, deadline)) {
        Stats last = stats();
        if (last.events() == first.events() && last.started() == first.started() && last.queued() == 0) {
          return (System.nanoTime() - start) / 1_000_000L;
        }
      }
    }
    return -1;
  }

  /** Whether the operator's threads stay below {@link #BUSY_SHARE} of a core in every poll interval for {@code windowMs}. */
  private boolean quietThrough(long windowStart, long windowMs, long deadline) throws InterruptedException {
    long lastCpu = threadCpu();
    long lastAt = System.nanoTime();
    while (lastAt - windowStart < windowMs * 1_000_000L) {
      if (lastAt > deadline) {
        return false;
      }
      Thread.sleep(POLL_MS);
      long cpu = threadCpu();
      long at = System.nanoTime();
      if (cpu - lastCpu > BUSY_SHARE * (at - lastAt)) {
        return false;
      }
      lastCpu = cpu;
      lastAt = at;
    }
    return true;
  }
}
