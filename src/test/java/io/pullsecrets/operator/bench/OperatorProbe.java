package io.pullsecrets.operator.bench;

import java.lang.management.ManagementFactory;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs in the operator's child JVM: how much CPU the operator has used, how much JOSDK work it has
 * seen (from the operator's own Prometheus scrape), and whether it is quiet. The child's own
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

  private final Supplier<String> scrape;
  private final Set<Long> benchThreads;
  private final com.sun.management.ThreadMXBean threads =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  OperatorProbe(Supplier<String> scrape, Set<Long> benchThreads) {
    this.scrape = scrape;
    this.benchThreads = benchThreads;
  }

  Stats stats() {
    String text = scrape.get();
    return new Stats(os.getProcessCpuTime() - benchCpu(), threadCpu(), sum(text, "operator_sdk_events_received"),
        sum(text, "operator_sdk_reconciliations_started"), sum(text, "operator_sdk_reconciliations_queue_size"));
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

  /** The sum of every sample in the Prometheus text whose metric name starts with {@code prefix}. */
  static long sum(String text, String prefix) {
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(prefix)) {
        String[] parts = line.split(" ");
        total += Double.parseDouble(parts[parts.length - 1]);
      }
    }
    return Math.round(total);
  }

  /**
   * Waits until the operator has been quiet for {@code windowMs}: between the window's first and
   * last reading no event received, no reconcile started, none queued or running at its end, and
   * in no poll interval did its threads use more than {@link #BUSY_SHARE} of a core. The JOSDK
   * counters are read (a scrape, which allocates) only at the window's ends; in between only thread
   * CPU is read, so that the polling itself costs the operator's JVM little. Returns the ms waited,
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
