package io.pullsecrets.operator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pullsecrets.operator.testing.ApiRequest;
import io.pullsecrets.operator.testing.AuditLog;
import io.pullsecrets.operator.testing.ControlPlane;
import io.pullsecrets.operator.testing.MockApiServer;
import io.pullsecrets.operator.testing.RealApiServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The API server a benchmark phase runs against: fabric8's CRUD mock in this JVM, or a real
 * control plane ({@code hack/control-plane.sh up}) of its own. Either way it tells the writes of
 * the child (User-Agent {@link MockApiServer#OPERATOR_AGENT}) since {@link #clearRequests()}, when
 * the first and last of them arrived ({@link System#nanoTime()} of this JVM), and the server's CPU.
 */
interface BenchServer extends AutoCloseable {
  /** "real" or "mock". */
  String name();

  /** One line for the report: what the server is. */
  String describe();

  /** The admin client of this JVM (populating, the benchmark's own writes). */
  KubernetesClient client();

  /** A new admin client (the observer's). */
  KubernetesClient newClient();

  /** How a child connects: the mock's URL, or the path of the real server's kubeconfig. */
  String childApi();

  boolean real();

  /** Forgets the writes seen so far (and the first/last write times). */
  void clearRequests();

  /** The child's writes since {@link #clearRequests()}. */
  List<ApiRequest> operatorWrites();

  /** All the child's requests since {@link #clearRequests()} (on the real server: its writes only, from the audit log). */
  List<ApiRequest> operatorRequests();

  /** Response code (>= 400) to count of the child's writes since the last clear; null where unknown (the mock records none). */
  Map<Integer, Long> failedWrites();

  /** nanoTime of the child's first / last write since the last clear; 0 when none. */
  long firstWrite();

  long lastWrite();

  /** CPU time (utime + stime, ms) of each process of the server, in a fixed order. */
  Map<String, Long> cpuMillis();

  @Override
  void close() throws Exception;

  static boolean isWrite(String method) {
    return switch (method) {
      case "POST", "PUT", "PATCH", "DELETE" -> true;
      default -> false;
    };
  }

  /** CPU time (user + system) of a process, in ms, from /proc/<pid>/stat. */
  static long cpuMillis(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
      return ticks * 1000 / 100; // USER_HZ is 100 on Linux
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the CPU time of process " + pid, e);
    }
  }

  // ------------------------------------------------------------------ the CRUD mock

  /** The mock in this JVM: requests recorded as they arrive; its CPU is this JVM's (mock + observer). */
  final class Mock implements BenchServer {
    final MockApiServer api = new MockApiServer();
    private volatile long first;
    private volatile long last;

    Mock() {
      api.setFault(r -> {
        if (MockApiServer.OPERATOR_AGENT.equals(r.getHeader("User-Agent")) && isWrite(r.getMethod())) {
          long now = System.nanoTime();
          synchronized (this) {
            if (first == 0) {
              first = now;
            }
            last = now;
          }
        }
        return null;
      });
    }

    @Override
    public String name() {
      return "mock";
    }

    @Override
    public String describe() {
      return "mock: fabric8 KubernetesMockServer (CRUD) in the benchmark's JVM";
    }

    @Override
    public KubernetesClient client() {
      return api.client();
    }

    @Override
    public KubernetesClient newClient() {
      return api.newClient();
    }

    @Override
    public String childApi() {
      return api.server().url("/");
    }

    @Override
    public boolean real() {
      return false;
    }

    @Override
    public synchronized void clearRequests() {
      api.clearRequests();
      first = 0;
      last = 0;
    }

    @Override
    public List<ApiRequest> operatorWrites() {
      return api.operatorRequests().stream().filter(ApiRequest::isWrite).toList();
    }

    @Override
    public List<ApiRequest> operatorRequests() {
      return api.operatorRequests();
    }

    @Override
    public Map<Integer, Long> failedWrites() {
      return null;
    }

    @Override
    public long firstWrite() {
      return first;
    }

    @Override
    public long lastWrite() {
      return last;
    }

    @Override
    public Map<String, Long> cpuMillis() {
      long ms = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1_000_000;
      return Map.of("benchmark JVM (mock server + observer)", ms);
    }

    @Override
    public void close() {
      api.close();
    }
  }

  // ------------------------------------------------------------------ the real control plane

  /**
   * A control plane of its own in {@code dir}: etcd, kube-apiserver, kube-controller-manager.
   * Writes are read from its audit log (one JSON line per write), filtered by User-Agent; their
   * times are the events' {@code requestReceivedTimestamp} (the same machine's clock). The CPU is
   * that of kube-apiserver and etcd.
   */
  final class Real implements BenchServer {
    static final Path SCRIPT = ControlPlane.SCRIPT;
    /** Started and not yet stopped, for the shutdown hook (Ctrl-C, a failure that skips close()). */
    private static final Set<Real> RUNNING = ConcurrentHashMap.newKeySet();

    static {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        for (Real r : RUNNING) {
          r.down();
        }
      }, "bench-control-plane-down"));
    }

    final Path dir;
    final ControlPlane cp;
    private final KubernetesClient admin;
    /** The audit log with its rotated files (offsets into it stay valid across rotations). */
    private final AuditLog audit;
    /** Wall-clock epoch nanos minus nanoTime, to put audit timestamps on this JVM's nanoTime axis. */
    private final long wallMinusNano;
    private long pos;
    private final List<Event> events = new ArrayList<>();
    /** Whether close() leaves the control plane running (--keep, or attached with --reuse). */
    private volatile boolean keep;

    record Event(ApiRequest request, int code, long nanoTime) {}

    private Real(Path dir) throws IOException {
      this.dir = dir;
      RUNNING.add(this);
      this.cp = ControlPlane.attach(dir);
      this.admin = cp.adminClient();
      this.audit = new AuditLog(dir.resolve("audit.log"));
      Instant now = Instant.now();
      long nano = System.nanoTime();
      this.wallMinusNano = now.getEpochSecond() * 1_000_000_000L + now.getNano() - nano;
    }

    /** Starts a fresh control plane in {@code dir} (a leftover there is stopped and removed first). */
    static Real up(Path dir, Consumer<String> log) throws IOException, InterruptedException {
      return up(dir, log, Map.of());
    }

    /** As {@link #up(Path, Consumer)}, with {@code env} added to hack/control-plane.sh's environment. */
    static Real up(Path dir, Consumer<String> log, Map<String, String> env) throws IOException, InterruptedException {
      Path abs = dir.toAbsolutePath();
      if (Files.exists(abs)) {
        script("down", abs, 60, Map.of());
        try (var paths = Files.walk(abs)) {
          for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
      Files.createDirectories(abs);
      long t0 = System.nanoTime();
      try {
        script("up", abs, 300, env);
        Real r = new Real(abs);
        log.accept(String.format("control plane up in %s in %d s (%s)", abs, (System.nanoTime() - t0) / 1_000_000_000L,
            Files.readString(abs.resolve("server")).trim()));
        return r;
      } catch (IOException | RuntimeException e) {
        script("down", abs, 60, Map.of());
        throw e;
      }
    }

    /** The control plane already running in {@code dir} (a kept one, --reuse): close() leaves it running. */
    static Real attach(Path dir) throws IOException {
      Real r = new Real(dir.toAbsolutePath());
      r.keep();
      return r;
    }

    /** Leaves the control plane running after close() and at exit (hack/control-plane.sh down stops it). */
    void keep() {
      keep = true;
      RUNNING.remove(this);
    }

    private static void script(String verb, Path dir, int timeoutSeconds, Map<String, String> env)
        throws IOException, InterruptedException {
      Path log = dir.resolve("script.log");
      ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), verb, dir.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("hack/control-plane.sh " + verb + " " + dir + " timed out; see " + log);
      }
      if (p.exitValue() != 0) {
        List<String> lines = Files.readAllLines(log);
        throw new IOException("hack/control-plane.sh " + verb + " " + dir + " failed: "
            + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
      }
    }

    @Override
    public String name() {
      return "real";
    }

    @Override
    public String describe() {
      return "real: kube-apiserver v1.35.4, etcd v3.6.16, kube-controller-manager (hack/control-plane.sh), same machine";
    }

    @Override
    public KubernetesClient client() {
      return admin;
    }

    @Override
    public KubernetesClient newClient() {
      return cp.adminClient();
    }

    @Override
    public String childApi() {
      return cp.kubeconfig.toString();
    }

    @Override
    public boolean real() {
      return true;
    }

    @Override
    public synchronized void clearRequests() {
      pos = audit.size();
      events.clear();
    }

    /** The child's write events since the last clear (reads the log's new complete lines). */
    synchronized List<Event> events() {
      try {
        AuditLog.Lines read = audit.readFrom(pos);
        pos = read.end();
        for (String line : read.lines()) {
          if (!line.contains(MockApiServer.OPERATOR_AGENT)) {
            continue;
          }
          JsonNode e = Serialization.jsonMapper().readTree(line);
          if (!"ResponseComplete".equals(e.path("stage").asText())
              || !e.path("userAgent").asText("").startsWith(MockApiServer.OPERATOR_AGENT)) {
            continue;
          }
          ApiRequest r = RealApiServer.toRequest(e, true);
          if (!r.isWrite()) {
            continue;
          }
          Instant at = Instant.parse(e.path("requestReceivedTimestamp").asText());
          long nano = at.getEpochSecond() * 1_000_000_000L + at.getNano() - wallMinusNano;
          events.add(new Event(new ApiRequest(r.method(), r.path(), r.body(), r.userAgent(), true, nano),
              e.path("responseStatus").path("code").asInt(0), nano));
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot parse the audit log " + audit, e);
      }
      return List.copyOf(events);
    }

    /** Bytes in the audit log (any writer): grows with every write. */
    long auditSize() {
      return audit.size();
    }

    @Override
    public List<ApiRequest> operatorWrites() {
      return events().stream().map(Event::request).toList();
    }

    @Override
    public List<ApiRequest> operatorRequests() {
      return operatorWrites();
    }

    @Override
    public Map<Integer, Long> failedWrites() {
      Map<Integer, Long> out = new TreeMap<>();
      for (Event e : events()) {
        if (e.code() >= 400 || e.code() == 0) {
          out.merge(e.code(), 1L, Long::sum);
        }
      }
      return out;
    }

    /** The failed writes themselves ("422 PATCH /api/..."), for the log. */
    List<String> failures() {
      return events().stream().filter(e -> e.code() >= 400 || e.code() == 0)
          .map(e -> e.code() + " " + e.request().method() + " " + e.request().path()).toList();
    }

    @Override
    public long firstWrite() {
      return events().stream().mapToLong(Event::nanoTime).min().orElse(0);
    }

    @Override
    public long lastWrite() {
      return events().stream().mapToLong(Event::nanoTime).max().orElse(0);
    }

    @Override
    public Map<String, Long> cpuMillis() {
      Map<String, Long> out = new LinkedHashMap<>();
      for (String p : List.of("kube-apiserver", "etcd")) {
        out.put(p, BenchServer.cpuMillis(pid(p)));
      }
      return out;
    }

    /** CPU of the controller manager (not counted as the server's: it is the cluster's own controllers). */
    long controllerManagerCpuMillis() {
      return BenchServer.cpuMillis(pid("kube-controller-manager"));
    }

    private long pid(String process) {
      try {
        return Long.parseLong(Files.readString(dir.resolve(process + ".pid")).trim());
      } catch (IOException e) {
        throw new IllegalStateException("no pid file for " + process + " in " + dir, e);
      }
    }

    private void down() {
      try {
        script("down", dir, 60, Map.of());
      } catch (Exception e) {
        System.err.println("[bench] hack/control-plane.sh down " + dir + " failed: " + e.getMessage());
      }
    }

    @Override
    public void close() {
      try {
        admin.close();
      } finally {
        if (!keep) {
          down();
        }
        RUNNING.remove(this);
      }
    }
  }
}
