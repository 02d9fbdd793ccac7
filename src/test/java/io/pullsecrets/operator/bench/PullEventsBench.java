package io.pullsecrets.operator.bench;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import io.pullsecrets.operator.health.PullEvents;
import io.pullsecrets.operator.health.PullFailureStore;
import io.pullsecrets.operator.health.PullHealthMonitor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pull health's Event watcher at scale ({@code bench/run.sh --only=pull-events}): the two informers
 * the operator runs (field selectors {@code involvedObject.kind=Pod} and reason {@code Failed} or
 * {@code BackOff}, slim item store) feeding {@link PullHealthMonitor#observe}, in this JVM, against
 * a real control plane with N namespaces. Events are written as the kubelet writes them: a Warning
 * {@code Failed} "Failed to pull image ... 401 Unauthorized" and a Normal {@code BackOff}
 * "Back-off pulling image ..." per pod, spread over the namespaces.
 *
 * <ol>
 *   <li>warm-up: E Events of reason {@code Pulled} (not selected), so that the writer's code is compiled;
 *   <li>no watcher: E Events written by 8 threads; the JVM's CPU (the writer's), its live heap;
 *   <li>the watcher starts and lists those E Events: time until every one was handled, CPU, live heap
 *       (the informers' caches and the store) against step 1;
 *   <li>E more Events written while it watches: events per second from the first write to the last
 *       Event handled, and the JVM's CPU less step 1's (the writer's) per Event: the watcher's;
 *   <li>the watcher stopped, E more Events written: the writer's CPU again (the machine's load drifts).
 * </ol>
 * The API server runs in its own processes; this JVM's CPU is the writer's plus the watcher's.
 */
final class PullEventsBench {
  private static final int WRITERS = 8;

  private PullEventsBench() {}

  static void log(String fmt, Object... args) {
    System.out.printf("[pull-events] " + fmt + "%n", args);
  }

  static void run(Benchmark.Options o) throws Exception {
    BenchServer s = "mock".equals(o.server) ? new BenchServer.Mock()
        : BenchServer.Real.up(o.logDir.resolve("cp-pull-events"), m -> log("%s", m));
    try {
      run(o, s);
    } finally {
      s.close();
    }
  }

  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static long liveHeap() {
    List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
    System.gc();
    System.gc();
    return pools.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
  }

  static Event kubeletEvent(String ns, int pod, boolean failed, String now, String reasonOverride) {
    String podName = "app-" + Integer.toHexString(pod) + "-x2x9q";
    String image = "registry.example.com/team-" + (pod % 50) + "/app:" + (pod % 7);
    String message = failed
        ? "Failed to pull image \"" + image + "\": failed to pull and unpack image \"" + image + "\": failed to resolve reference \""
            + image + "\": unexpected status from HEAD request to https://registry.example.com/v2/team/app/manifests/1: 401 Unauthorized"
        : "Back-off pulling image \"" + image + "\"";
    return new EventBuilder()
        .withNewMetadata().withName(podName + "." + Long.toHexString(System.nanoTime()) + (failed ? "f" : "b")).withNamespace(ns).endMetadata()
        .withNewInvolvedObject().withKind("Pod").withApiVersion("v1").withNamespace(ns).withName(podName)
        .withUid(String.format("00000000-0000-0000-0000-%012d", pod)).withFieldPath("spec.containers{app}").endInvolvedObject()
        .withReason(reasonOverride != null ? reasonOverride : failed ? "Failed" : "BackOff").withType(failed ? "Warning" : "Normal").withMessage(message)
        .withCount(1).withFirstTimestamp(now).withLastTimestamp(now)
        .withNewSource().withComponent("kubelet").withHost("node-" + (pod % 10)).endSource()
        .withReportingComponent("kubelet").withReportingInstance("node-" + (pod % 10))
        .build();
  }

  /** Writes {@code n} Events (pods {@code first}..), a Failed and a BackOff per pod; returns the wall time in ns. */
  static long write(KubernetesClient c, int namespaces, int first, int n) throws Exception {
    return write(c, namespaces, first, n, null);
  }

  static long write(KubernetesClient c, int namespaces, int first, int n, String reason) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    long t0 = System.nanoTime();
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int from = w;
        fs.add(pool.submit(() -> {
          for (int i = from; i < n; i += WRITERS) {
            int pod = first + i / 2;
            String ns = Benchmark.nsName(Math.floorMod(pod, namespaces));
            c.v1().events().inNamespace(ns).resource(kubeletEvent(ns, Math.abs(pod), i % 2 == 0, now, reason)).create();
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    return System.nanoTime() - t0;
  }

  static void awaitHandled(AtomicLong handled, long want, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (handled.get() < want) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("the watcher handled " + handled.get() + " of " + want + " Events");
      }
      Thread.sleep(5);
    }
  }

  static void run(Benchmark.Options o, BenchServer s) throws Exception {
    KubernetesClient c = s.client();
    int n = o.namespaces;
    int e = o.events;
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    List<Future<?>> fs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String ns = Benchmark.nsName(i);
      fs.add(pool.submit(() -> c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create()));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    log("%s API server, %d namespaces in %d s; %d Events per phase (half Failed 401, half BackOff), %d writer threads",
        s.name(), n, (System.nanoTime() - t0) / 1_000_000_000L, e, WRITERS);

    // The writer's code warmed up first, with Events the watcher does not select (reason Pulled).
    write(c, n, -e, e, "Pulled");
    // 1. No watcher: what writing costs this JVM.
    long heap0 = liveHeap();
    long cpu0 = cpuNanos();
    long wall1 = write(c, n, 0, e);
    long cpu1 = cpuNanos() - cpu0;
    log("no watcher: %d Events written in %.1f s (%.0f/s); JVM CPU %.0f ms (%.1f us per Event, the writer's); live heap %.1f MiB",
        e, wall1 / 1e9, e / (wall1 / 1e9), cpu1 / 1e6, cpu1 / 1e3 / e, heap0 / 1048576.0);

    // 2. The watcher starts: it lists the E Events.
    AtomicLong handled = new AtomicLong();
    PullHealthMonitor monitor = new PullHealthMonitor(c, new PullFailureStore(), (rc, kind, count) -> {});
    Set<ResourceID> credential = Set.of(new ResourceID("example", "platform"));
    KubernetesClient watcherClient = s.newClient();
    List<SharedIndexInformer<Event>> informers = new ArrayList<>();
    long cpu2start = cpuNanos();
    long t2 = System.nanoTime();
    for (String reason : List.of(PullEvents.FAILED, PullEvents.BACK_OFF)) {
      SharedIndexInformer<Event> inf = watcherClient.v1().events().inAnyNamespace()
          .withFields(Map.of("involvedObject.kind", "Pod", "reason", reason)).runnableInformer(0)
          .itemStore(new TransformingItemStore<>(PullEvents::slim));
      inf.addEventHandler(new ResourceEventHandler<>() {
        @Override
        public void onAdd(Event ev) {
          if (!monitor.observe(ev, ns -> credential).isEmpty()) {
            handled.incrementAndGet();
          }
        }

        @Override
        public void onUpdate(Event before, Event after) {
          monitor.observe(after, ns -> credential);
        }

        @Override
        public void onDelete(Event ev, boolean unknown) {}
      });
      informers.add(inf);
      inf.start();
    }
    awaitHandled(handled, e, 600_000);
    long wall2 = System.nanoTime() - t2;
    long cpu2 = cpuNanos() - cpu2start;
    long heap2 = liveHeap();
    log("watcher start: lists and handles %d Events in %.1f s (%.0f/s); JVM CPU %.0f ms (%.1f us per Event); live heap +%.1f MiB"
        + " (%.0f bytes per Event: slim caches + store of %d)",
        e, wall2 / 1e9, e / (wall2 / 1e9), cpu2 / 1e6, cpu2 / 1e3 / e, (heap2 - heap0) / 1048576.0,
        (heap2 - heap0) / (double) e, monitor.store().size());

    // 3. Written while it watches.
    long cpu3start = cpuNanos();
    long t3 = System.nanoTime();
    long wall3write = write(c, n, e, e);
    awaitHandled(handled, 2L * e, 600_000);
    long wall3 = System.nanoTime() - t3;
    long cpu3 = cpuNanos() - cpu3start;
    long heap3 = liveHeap();
    log("watching: %d Events written in %.1f s (%.0f/s), all handled %.1f s after the first write (%.0f/s);"
        + " JVM CPU %.0f ms (%.1f us per Event), less the writer's alone: %.1f us per Event for the watcher;"
        + " live heap +%.1f MiB against no watcher (%d Events cached, store %d)",
        e, wall3write / 1e9, e / (wall3write / 1e9), wall3 / 1e9, e / (wall3 / 1e9), cpu3 / 1e6, cpu3 / 1e3 / e,
        (cpu3 - cpu1) / 1e3 / e, (heap3 - heap0) / 1048576.0, 2L * e, monitor.store().size());
    for (SharedIndexInformer<Event> inf : informers) {
      inf.close();
    }
    watcherClient.close();

    // 4. The writer alone again, after the watcher: the machine's load drifts, so the watcher's CPU
    // is also given against the mean of both runs without it.
    long cpu4start = cpuNanos();
    long wall4 = write(c, n, 2 * e, e);
    long cpu4 = cpuNanos() - cpu4start;
    log("no watcher again: %d Events written in %.1f s (%.0f/s); JVM CPU %.0f ms (%.1f us per Event)."
        + " The watcher's CPU per Event while watching, against the mean of both runs without it: %.1f us",
        e, wall4 / 1e9, e / (wall4 / 1e9), cpu4 / 1e6, cpu4 / 1e3 / e, (cpu3 - (cpu1 + cpu4) / 2.0) / 1e3 / e);
  }
}
