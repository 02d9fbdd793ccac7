package io.pullsecrets.operator.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.Logging;
import io.pullsecrets.operator.Main;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.api.LabelSelectorSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.reconciler.Replicator;
import io.pullsecrets.operator.reconciler.ServiceAccountPatches;
import io.pullsecrets.operator.testing.ApiRequest;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.MockApiServer;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The benchmark command (issues 5, 8 and 10): the real operator against an API server, with N target
 * namespaces and F foreign Secrets, measured against the floor (a plain client doing only the 2N
 * writes). See {@code bench/run.sh} and README "Benchmarks".
 *
 * <p>The API server ({@link BenchServer}) is a real control plane per phase
 * ({@code hack/control-plane.sh up}, {@code --server=real}, the default where it is built) or
 * fabric8's CRUD mock in the parent JVM ({@code --server=mock}). The parent runs the observer; the
 * operator (and the floor client) run in child JVMs started with {@code --mode=operator} /
 * {@code --mode=floor}, with the container image's JVM flags, so that the child's RSS is the
 * operator's alone. The child's writes are told apart by its User-Agent: at the mock as they
 * arrive, on the real server in its audit log.
 *
 * <p>Last comes the twenty-credential phase (issue 10; {@code --only=fleet} runs it alone): 20
 * credentials select the N namespaces; unrelated ServiceAccount edits, each followed by a wait
 * until the operator is quiet, give the operator's CPU per edit (read in its JVM by {@link
 * OperatorProbe}); then new namespaces get all 20 Secrets and entries.
 */
public final class Benchmark {
  static final String TAG = "@@BENCH ";
  static final String SECRET_NAME = "regcred";
  static final String RC_NAME = "bench";
  static final String LOGIN = "bench-login";
  static final String REGISTRY = "registry.example.com";
  static final String TARGET_LABEL = "pullsecrets-bench";
  /** How long the operator child waits for quiet before it answers -1 (below the parent's 120 s for an answer). */
  static final long QUIET_TIMEOUT_MS = 110_000;
  /** The image's environment, as Jib's {@code <container><environment>} in pom.xml sets it (the one source). */
  static final Map<String, String> IMAGE_ENV = imageEnvironment(Path.of("pom.xml"));
  /** The image's JAVA_TOOL_OPTIONS, with the chart's 512Mi memory limit given as MaxRAM. */
  static final String DEFAULT_CHILD_JVM = "-XX:MaxRAM=512m " + IMAGE_ENV.get("JAVA_TOOL_OPTIONS");

  /** The variables of Jib's {@code <container><environment>} in {@code pom}. */
  static Map<String, String> imageEnvironment(Path pom) {
    try {
      java.util.regex.Matcher block = java.util.regex.Pattern.compile("(?s)<container>.*?<environment>(.*?)</environment>")
          .matcher(Files.readString(pom));
      if (!block.find()) {
        throw new IllegalStateException("no <container><environment> in " + pom);
      }
      Map<String, String> out = new LinkedHashMap<>();
      java.util.regex.Matcher v = java.util.regex.Pattern.compile("(?s)<([A-Za-z_][A-Za-z0-9_]*)>(.*?)</\\1>").matcher(block.group(1));
      while (v.find()) {
        out.put(v.group(1), v.group(2).trim());
      }
      if (!out.containsKey("JAVA_TOOL_OPTIONS")) {
        throw new IllegalStateException("no JAVA_TOOL_OPTIONS in the image's environment in " + pom);
      }
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Benchmark() {}

  // ------------------------------------------------------------------ options

  static final class Options {
    String mode = "parent";
    int namespaces = 1000;
    int foreign = 5000;
    int idleSeconds = 30;
    int newNamespaces = 3;
    int quietMs = 3000;
    boolean floor = true;
    /** The floor patches as the operator does today (withName(..).patch(..): fabric8 GETs the SA first). */
    boolean floorGet = false;
    boolean operator = true;
    /** "real" (a control plane per phase, hack/control-plane.sh) or "mock" (fabric8's CRUD mock); null: real where built. */
    String server;
    /** Children only: the mock's URL or the real server's kubeconfig path. */
    String api;
    /** "fleet": only the twenty-credential phase (no floor, no single-credential phases); "pull-events": only {@link PullEventsBench}; null: everything. */
    String only;
    /** --only=pull-events: kubelet Events written per phase. */
    int events = 10_000;
    /** Whether the twenty-credential phase runs. */
    boolean fleet = true;
    int edits = 50;
    /** How long the operator must show no activity to count as quiet (see OperatorProbe.awaitQuiet). */
    int settleMs = 300;
    /** How long the operator's idle CPU rate is measured before the edits. */
    int baselineMs = 10000;
    String childJvm = System.getenv().getOrDefault("BENCH_CHILD_JVM_OPTS", DEFAULT_CHILD_JVM);
    Path logDir = Path.of(System.getenv().getOrDefault("BENCH_LOG_DIR", "target/bench"));
    /** Leave the operator phase's control plane running at the end (for --reuse). */
    boolean keep = false;
    /** A kept control plane's directory: only start the operator against it and measure it at rest. */
    Path reuse;

    static Options parse(String[] args) {
      Options o = new Options();
      for (String a : args) {
        String[] kv = a.replaceFirst("^--", "").split("=", 2);
        String v = kv.length > 1 ? kv[1] : "true";
        switch (kv[0]) {
          case "mode" -> o.mode = v;
          case "namespaces", "n" -> o.namespaces = Integer.parseInt(v);
          case "foreign", "f" -> o.foreign = Integer.parseInt(v);
          case "idle" -> o.idleSeconds = Integer.parseInt(v);
          case "new-namespaces" -> o.newNamespaces = Integer.parseInt(v);
          case "quiet-ms" -> o.quietMs = Integer.parseInt(v);
          case "floor" -> o.floor = Boolean.parseBoolean(v);
          case "floor-get" -> o.floorGet = Boolean.parseBoolean(v);
          case "operator" -> o.operator = Boolean.parseBoolean(v);
          case "server" -> {
            if (!v.equals("real") && !v.equals("mock")) {
              throw new IllegalArgumentException("--server is real or mock, not " + v);
            }
            o.server = v;
          }
          case "api" -> o.api = v;
          case "only" -> {
            if (!v.equals("fleet") && !v.equals("pull-events")) {
              throw new IllegalArgumentException("--only takes fleet or pull-events, not " + v);
            }
            o.only = v;
          }
          case "fleet" -> o.fleet = Boolean.parseBoolean(v);
          case "edits" -> o.edits = Integer.parseInt(v);
          case "events" -> o.events = Integer.parseInt(v);
          case "settle-ms" -> o.settleMs = Integer.parseInt(v);
          case "baseline-ms" -> o.baselineMs = Integer.parseInt(v);
          case "log-dir" -> o.logDir = Path.of(v);
          case "keep" -> o.keep = Boolean.parseBoolean(v);
          case "reuse" -> o.reuse = Path.of(v);
          case "help", "h" -> {
            System.out.println("""
                usage: bench/run.sh [--server=real|mock] [--namespaces=1000] [--foreign=5000] [--idle=30]
                                    [--new-namespaces=3] [--quiet-ms=3000] [--floor=true] [--log-dir=target/bench]
                                    [--operator=true] [--floor-get=false] [--only=fleet] [--fleet=true] [--edits=50]
                                    [--settle-ms=300] [--baseline-ms=10000] [--keep] [--reuse=<dir>]
                                    [--only=pull-events --events=10000]
                  --server=real: each phase (floor, operator) gets its own control plane (hack/control-plane.sh up
                    <log-dir>/cp-<phase>); writes are counted from its audit log. Default where the control plane
                    is built (hack/control-plane.sh status); otherwise mock (fabric8's CRUD mock in this JVM)
                  --only=fleet: only the twenty-credential phase: 20 static credentials select the N namespaces; then
                    --edits unrelated default-ServiceAccount edits, one at a time, each followed by a wait until the
                    operator has been quiet for --settle-ms (operator CPU per edit, less its idle rate measured over
                    --baseline-ms); then --new-namespaces new namespaces (all 20 Secrets and entries). --fleet=false skips it.
                    Memory (RSS, live heap after a full GC, jcmd class histogram in <log-dir>/histogram-*.txt) at 0
                    managed Secrets, after propagation (20N) and at rest: 20 x 5000 is issue 23's 100,000
                  --keep: the operator phase's control plane stays up at the end (<log-dir>/cp-operator; stop it
                    with hack/control-plane.sh down <dir>)
                  --reuse=<dir>: a kept control plane (its objects as the last run left them): only a fresh operator
                    starts against it: its startup pass (time, CPU, writes, peak RSS), then at rest RSS, heap, live
                    heap after a full GC, native memory (jcmd VM.native_memory summary, when the child JVM's flags
                    have -XX:NativeMemoryTracking=summary), then --new-namespaces new namespaces as in --only=fleet.
                    For comparing the child JVM's flags at one scale without building it again
                  --only=pull-events: pull health's Event watcher (issue 21) in this JVM, on a real control plane
                    with N namespaces: --events kubelet-shaped pull failures (Failed 401 and BackOff) written without
                    the watcher, then listed by it, then written again while it watches: events per second handled,
                    CPU per event and heap against the run without it (docs/pull-health.md)
                  --floor-get=true: the floor GETs each SA before patching it, as withName(..).patch(..) does
                  BENCH_CHILD_JVM_OPTS overrides the operator JVM's flags (default: the image's, MaxRAM=512m); the
                    image's other variables (pom.xml, Jib's <environment>) are set for it unless set here""");
            System.exit(0);
          }
          default -> throw new IllegalArgumentException("unknown flag " + a + " (see --help)");
        }
      }
      return o;
    }
  }

  /** Held so that the setting stays: the mock server logs every request at INFO through java.util.logging. */
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  public static void main(String[] args) throws Exception {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    Options o = Options.parse(args);
    switch (o.mode) {
      case "operator" -> runOperatorChild(o);
      case "floor" -> runFloorChild(o);
      case "parent" -> {
        if ("pull-events".equals(o.only)) {
          PullEventsBench.run(o);
        } else {
          new Parent(o).run();
        }
      }
      default -> throw new IllegalArgumentException("unknown mode " + o.mode);
    }
  }

  static String nsName(int i) {
    return String.format("bench-%05d", i);
  }

  static List<String> targets(int n) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(nsName(i));
    }
    return out;
  }

  /**
   * The child's client: the operator's own settings (no in-client retries, as Preflight.connect) with the
   * benchmark's User-Agent, connecting to the mock's URL or with the real server's kubeconfig.
   */
  static KubernetesClient childClient(Options o) throws IOException {
    ConfigBuilder b;
    if ("real".equals(o.server)) {
      b = new ConfigBuilder(Config.fromKubeconfig(null, Files.readString(Path.of(o.api)), o.api));
    } else {
      b = new ConfigBuilder(Config.empty()).withMasterUrl(o.api).withTrustCerts(true).withNamespace("test")
          .withHttp2Disable(true);
    }
    Config config = b.withUserAgent(MockApiServer.OPERATOR_AGENT)
        .withRequestRetryBackoffLimit(PullSecretOperator.REQUEST_RETRIES)
        .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  // ------------------------------------------------------------------ child: the operator

  private static void runOperatorChild(Options o) throws Exception {
    Logging.configure("info", "text");
    AtomicLong peakHeap = new AtomicLong();
    List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP).toList();
    Thread sampler = new Thread(() -> {
      while (true) {
        long used = heapPools.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
        peakHeap.accumulateAndGet(used, Math::max);
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "bench-heap-sampler");
    sampler.setDaemon(true);
    sampler.start();

    KubernetesClient client = childClient(o);
    OperatorConfig config = OperatorHarness.config(Set.of());
    PullSecretOperator.Options options = PullSecretOperator.Options.defaults(client);
    if (!"real".equals(o.server)) {
      // The CRUD mock has no server-side apply: status is patched with a JSON merge patch there.
      // On the real server the product's default (SSA) stays.
      options = options.withJosdk(j -> j.withUseSSAToPatchPrimaryResource(false));
    }
    Main.Running running = Main.create(client, config, options, Main.Launch.defaults());
    running.start();
    OperatorProbe probe = new OperatorProbe(
        OperatorProbe.josdk(running.operator().operator().getConfigurationService().getMetrics()),
        Set.of(Thread.currentThread().getId(), sampler.getId()));
    System.out.println(TAG + "READY");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      switch (line.trim()) {
        case "MEM" -> {
          long used = heapPools.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
          long committed = heapPools.stream().mapToLong(p -> p.getUsage().getCommitted()).sum();
          long max = Runtime.getRuntime().maxMemory();
          System.out.println(TAG + "MEM peakHeap=" + peakHeap.get() + " heapUsed=" + used + " heapCommitted=" + committed
              + " heapMax=" + max);
        }
        case "GC" -> {
          System.gc();
          long used = heapPools.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
          System.out.println(TAG + "GC liveHeap=" + used);
        }
        case "STOP" -> {
          running.close();
          client.close();
          System.out.println(TAG + "STOPPED");
          System.out.flush();
          System.exit(0);
        }
        case "STATS" -> System.out.println(TAG + "STATS " + probe.stats().line());
        case "NOSAMPLE" -> {
          // The heap sampler serves the memory rows only; stopped, it costs the CPU readings nothing.
          sampler.interrupt();
          sampler.join();
          System.out.println(TAG + "NOSAMPLE");
        }
        default -> {
          if (line.startsWith("QUIET ")) {
            long waited = probe.awaitQuiet(Long.parseLong(line.substring(6).trim()), QUIET_TIMEOUT_MS);
            System.out.println(TAG + "QUIET " + waited);
          } else {
            System.out.println(TAG + "ERR unknown command " + line);
          }
        }
      }
    }
    System.exit(0);
  }

  // ------------------------------------------------------------------ child: the floor

  /** The same Secret the operator writes (labels, annotation, type, data), for a fixed uid. */
  static Secret floorSecret(String ns, String encoded) {
    return new SecretBuilder()
        .withNewMetadata().withName(SECRET_NAME).withNamespace(ns)
        .withLabels(new LinkedHashMap<>(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE,
            Labels.CREDENTIAL_UID, "00000000-0000-0000-0000-00000000f100")))
        .withAnnotations(new LinkedHashMap<>(Map.of(Labels.OWNER_ANNOTATION, OperatorHarness.PLATFORM_NS + "/" + RC_NAME)))
        .endMetadata()
        .withType(Replicator.SECRET_TYPE)
        .withData(new HashMap<>(Map.of(Replicator.DATA_KEY, encoded)))
        .build();
  }

  static String dockerConfig(String user, String password) {
    String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    String json = "{\"auths\":{\"" + REGISTRY + "\":{\"username\":\"" + user + "\",\"password\":\"" + password
        + "\",\"auth\":\"" + auth + "\"}}}";
    return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The floor: one fabric8 client, 4 threads (the operator's write pool size), for each namespace
   * one Secret create and one JSON patch of the default SA (the operator's own patch, guarded by a
   * test op). The SAs are listed before the clock starts, as the operator's informer has them.
   */
  private static void runFloorChild(Options o) throws Exception {
    KubernetesClient client = childClient(o);
    Map<String, ServiceAccount> accounts = new HashMap<>();
    for (ServiceAccount sa : client.serviceAccounts().inAnyNamespace().list().getItems()) {
      if ("default".equals(sa.getMetadata().getName())) {
        accounts.put(sa.getMetadata().getNamespace(), sa);
      }
    }
    String encoded = dockerConfig("robot", "password-1");
    List<String> namespaces = targets(o.namespaces);
    System.out.println(TAG + "READY");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if (!"GO".equals(in.readLine())) {
      System.exit(1);
    }
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(PullSecretOperator.WRITE_THREADS);
    List<Future<?>> futures = new ArrayList<>();
    for (String ns : namespaces) {
      futures.add(pool.submit(() -> {
        client.secrets().inNamespace(ns).resource(floorSecret(ns, encoded)).create();
        ServiceAccount sa = accounts.get(ns);
        // resource(sa): with the item given, fabric8 sends the patch alone; withName(..).patch(..) would GET first.
        if (o.floorGet) {
          client.serviceAccounts().inNamespace(ns).withName("default")
              .patch(PatchContext.of(PatchType.JSON), ServiceAccountPatches.add(sa, SECRET_NAME));
        } else {
          client.serviceAccounts().inNamespace(ns).resource(sa)
              .patch(PatchContext.of(PatchType.JSON), ServiceAccountPatches.add(sa, SECRET_NAME));
        }
      }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    pool.shutdown();
    System.out.println(TAG + "DONE " + ms);
    in.readLine();
    client.close();
    System.exit(0);
  }

  // ------------------------------------------------------------------ the parent

  /** A child JVM and the protocol lines it prints (everything else goes to its log file). */
  static final class Child implements AutoCloseable {
    final Process process;
    final PrintWriter stdin;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Child(Options o, String mode, BenchServer server, Path log) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String flag : o.childJvm.trim().split("\\s+")) {
        if (!flag.isEmpty()) {
          cmd.add(flag);
        }
      }
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(Benchmark.class.getName());
      cmd.add("--mode=" + mode);
      cmd.add("--server=" + server.name());
      cmd.add("--api=" + server.childApi());
      cmd.add("--namespaces=" + o.namespaces);
      cmd.add("--floor-get=" + o.floorGet);
      Files.createDirectories(log.getParent());
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      // The image's other variables (MALLOC_ARENA_MAX), unless this JVM's environment sets them.
      IMAGE_ENV.forEach((k, v) -> {
        if (!k.equals("JAVA_TOOL_OPTIONS") && System.getenv(k) == null) {
          pb.environment().put(k, v);
        }
      });
      process = pb.start();
      stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
      Thread pump = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter w = new PrintWriter(Files.newBufferedWriter(log))) {
          String line;
          while ((line = r.readLine()) != null) {
            w.println(line);
            if (line.startsWith(TAG)) {
              lines.add(line.substring(TAG.length()));
              w.flush();
            }
          }
        } catch (IOException e) {
          // the child ended
        }
      }, "bench-child-" + mode);
      pump.setDaemon(true);
      pump.start();
    }

    String expect(String prefix, long timeoutSeconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      while (System.nanoTime() < deadline) {
        String l = lines.poll(200, TimeUnit.MILLISECONDS);
        if (l != null && l.startsWith(prefix)) {
          return l;
        }
        if (l == null && !process.isAlive()) {
          throw new IllegalStateException("child exited with " + process.exitValue() + " (see its log)");
        }
      }
      throw new IllegalStateException("child did not say " + prefix + " within " + timeoutSeconds + " s (see its log)");
    }

    String ask(String command, String answer) throws InterruptedException {
      stdin.println(command);
      return expect(answer, 120);
    }

    /** VmHWM and VmRSS of the child, in bytes, from /proc. */
    long[] rss() throws IOException {
      long hwm = -1;
      long rss = -1;
      for (String l : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
        if (l.startsWith("VmHWM:")) {
          hwm = kib(l);
        } else if (l.startsWith("VmRSS:")) {
          rss = kib(l);
        }
      }
      return new long[] {hwm, rss};
    }

    /** CPU time (user + system) the child has used, in ms, from /proc/<pid>/stat. */
    long cpuMillis() throws IOException {
      String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
      return ticks * 1000 / 100; // USER_HZ is 100 on Linux
    }

    private static long kib(String line) {
      return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        stdin.println("STOP");
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    }
  }

  static final class Parent {
    /** Threads that populate a real server (its requests are latency-bound; the mock's are CPU-bound in this JVM). */
    static final int POPULATE_THREADS_REAL = 8;
    final Options o;
    final List<String> report = new ArrayList<>();
    final List<String[]> table = new ArrayList<>();
    final List<String> goals = new ArrayList<>();

    Parent(Options o) {
      this.o = o;
    }

    void log(String fmt, Object... args) {
      System.err.printf("[bench %s] %s%n", LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")),
          String.format(fmt, args));
    }

    void row(String what, String value, String goal) {
      table.add(new String[] {what, value, goal});
    }

    boolean real() {
      return "real".equals(o.server);
    }

    /**
     * Namespaces (labelled as targets, each with its default SA), foreign Secrets. On the real
     * server the controller manager creates the SAs; this waits until all N exist, then until the
     * server has been quiet (no write by anyone) for 3 s, so that the cluster's own work on the new
     * namespaces is over before a clock starts.
     */
    void populate(BenchServer s, String what) throws Exception {
      KubernetesClient c = s.client();
      long t0 = System.nanoTime();
      createNamespace(s, OperatorHarness.OPERATOR_NS, Map.of());
      createNamespace(s, OperatorHarness.PLATFORM_NS, Map.of());
      ExecutorService pool = Executors.newFixedThreadPool(s.real() ? POPULATE_THREADS_REAL : 4);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < o.namespaces; i++) {
          String ns = nsName(i);
          fs.add(pool.submit(() -> createNamespace(s, ns, Map.of(TARGET_LABEL, "target"))));
        }
        for (Future<?> f : fs) {
          f.get();
        }
        long tNs = System.nanoTime();
        fs.clear();
        Random random = new Random(42);
        for (int i = 0; i < o.foreign; i++) {
          String ns = nsName(i % o.namespaces);
          Secret secret = foreignSecret(i, ns, random);
          fs.add(pool.submit(() -> c.secrets().inNamespace(ns).resource(secret).create()));
        }
        for (Future<?> f : fs) {
          f.get();
        }
        long tSecrets = System.nanoTime();
        if (s instanceof BenchServer.Real r) {
          awaitDefaultAccounts(c);
          long tAccounts = System.nanoTime();
          awaitQuiet(r);
          log("%s: populated in %s: %d namespaces %s, %d foreign Secrets %s, all default ServiceAccounts (controller manager)"
                  + " %s later, server quiet %s later", what, fmtMs(System.nanoTime() - t0), o.namespaces, fmtMs(tNs - t0),
              o.foreign, fmtMs(tSecrets - tNs), fmtMs(tAccounts - tSecrets), fmtMs(System.nanoTime() - tAccounts));
        }
      } finally {
        pool.shutdown();
      }
    }

    /** A foreign Secret of 2 KiB (base64): one in ten typed as a pull secret (valid JSON: a real server checks). */
    static Secret foreignSecret(int i, String ns, Random random) {
      byte[] blob = new byte[1536]; // 2,048 bytes once base64-encoded
      random.nextBytes(blob);
      boolean pull = i % 10 == 0;
      String name = pull ? "foreign-" + i + "-dockercfg" : "foreign-" + i;
      byte[] value = blob;
      if (pull) {
        String head = "{\"auths\":{\"r" + i + ".example.com\":{\"auth\":\"";
        String tail = "\"}}}";
        String filler = Base64.getEncoder().encodeToString(blob).substring(0, blob.length - head.length() - tail.length());
        value = (head + filler + tail).getBytes(StandardCharsets.UTF_8);
      }
      return new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns)
          .withLabels(Map.of("app", "unrelated-" + (i % 7))).endMetadata()
          .withType(pull ? Replicator.SECRET_TYPE : "Opaque")
          .withData(Map.of(pull ? Replicator.DATA_KEY : "blob", Base64.getEncoder().encodeToString(value)))
          .build();
    }

    /** Until the controller manager has created the default ServiceAccount of every target namespace. */
    void awaitDefaultAccounts(KubernetesClient c) throws InterruptedException {
      Set<String> want = Set.copyOf(targets(o.namespaces));
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      long have = 0;
      while (System.nanoTime() < deadline) {
        have = c.serviceAccounts().inAnyNamespace().withField("metadata.name", "default").list().getItems().stream()
            .filter(sa -> want.contains(sa.getMetadata().getNamespace())).count();
        if (have == want.size()) {
          return;
        }
        Thread.sleep(250);
      }
      throw new IllegalStateException("the controller manager created only " + have + " of " + want.size()
          + " default ServiceAccounts in 10 min");
    }

    /** Until nobody has written to the real server for 3 s (its audit log stopped growing). */
    void awaitQuiet(BenchServer.Real r) throws InterruptedException {
      long size = -1;
      long since = System.nanoTime();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (System.nanoTime() < deadline) {
        long now = r.auditSize();
        if (now != size) {
          size = now;
          since = System.nanoTime();
        } else if (System.nanoTime() - since >= 3_000_000_000L) {
          return;
        }
        Thread.sleep(100);
      }
      log("the server was never quiet for 3 s in 5 min; going on");
    }

    static final String FLEET_PREFIX = "fleet-";
    static final int FLEET = 20;
    static final String TOUCHED = "bench.pullsecrets.io/touched";

    /**
     * Twenty static credentials selecting the N target namespaces (the single credential of the
     * other phases is deleted first, so that exactly twenty target each namespace): their
     * propagation, then unrelated edits of {@code default} ServiceAccounts, then new target
     * namespaces.
     */
    void fleet(BenchServer api, Observer obs, Child op) throws Exception {
      List<String> targets = targets(o.namespaces);
      op.ask("NOSAMPLE", "NOSAMPLE");
      try (FleetObserver fo = new FleetObserver(api.newClient(), FLEET_PREFIX)) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (fo.accountsSeen() < o.namespaces && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        removeSingleCredential(api, obs, op, targets);
        fleetMemory(op, 0, "");
        fleetPropagation(api, op, fo, targets);
        fleetMemory(op, FLEET * targets.size(), "after propagation");
        unrelatedEdits(api, op, fo, targets, "annotations");
        unrelatedEdits(api, op, fo, targets, "labels");
        unrelatedEdits(api, op, fo, targets, "imagePullSecrets");
        fleetNewNamespaces(api, op, fo);
        fleetMemory(op, FLEET * (targets.size() + o.newNamespaces), "at rest");
      }
    }

    /**
     * The operator's memory with {@code managed} managed Secrets (and as many ServiceAccount
     * entries): RSS as it is, then live heap after a full GC (the child's System.gc(), SerialGC
     * in the image) and RSS after it, and the class histogram's top rows ({@code jcmd
     * GC.class_histogram}, the whole of it in {@code <log-dir>/histogram-<managed>.txt}).
     */
    void fleetMemory(Child op, long count, String when) throws Exception {
      String managed = count + (when.isEmpty() ? "" : " (" + when + ")");
      long[] before = op.rss();
      String gc = op.ask("GC", "GC");
      long live = Long.parseLong(gc.replaceAll(".*liveHeap=", ""));
      long[] after = op.rss();
      String label = count + (when.isEmpty() ? "" : "-" + when.replace(' ', '-'));
      Path histogram = o.logDir.resolve("histogram-" + label + ".txt");
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          String.valueOf(op.process.pid()), "GC.class_histogram").redirectErrorStream(true)
          .redirectOutput(histogram.toFile()).start();
      List<String> top = List.of();
      if (jcmd.waitFor(120, TimeUnit.SECONDS) && jcmd.exitValue() == 0) {
        top = Files.readAllLines(histogram).stream().filter(l -> l.matches("\\s*\\d+:\\s+\\d+\\s+\\d+\\s+.*")).limit(12).toList();
      }
      log("fleet memory at %s managed Secrets: RSS %s (peak %s); live heap after full GC %s; RSS after it %s;"
          + " class histogram (%s):%n%s", managed, mib(before[1]), mib(before[0]), mib(live), mib(after[1]), histogram,
          String.join(System.lineSeparator(), top));
      row("memory at " + managed + " managed Secrets (" + FLEET + " credentials): RSS / live heap after full GC / RSS after it",
          mib(before[1]) + " / " + mib(live) + " / " + mib(after[1]),
          count >= 100_000 ? "RSS <= 256 MiB " + mark(before[1] <= 256L * 1024 * 1024) : "");
    }

    /** Deletes the credential of the single-credential phases (when they ran) and waits until its Secrets and entries are gone. */
    void removeSingleCredential(BenchServer api, Observer obs, Child op, List<String> targets) throws Exception {
      var single = api.client().resources(RegistryCredential.class).inNamespace(OperatorHarness.PLATFORM_NS).withName(RC_NAME);
      if (single.get() == null) {
        return;
      }
      long t0 = System.nanoTime();
      single.delete();
      if (obs.await(targets, s -> s.data() == null && !s.entry(), true, true, 600_000) < 0) {
        throw new IllegalStateException("the single credential's Secrets and entries were not removed in 10 min");
      }
      settle(api);
      quiet(op);
      log("fleet: the single credential deleted; its Secrets and entries gone, operator quiet after %s", fmtMs(System.nanoTime() - t0));
    }

    /** Creates the twenty credentials and waits until every target namespace has their 20 Secrets and 20 entries. */
    void fleetPropagation(BenchServer api, Child op, FleetObserver fo, List<String> targets) throws Exception {
      api.clearRequests();
      OperatorProbe.Stats s0 = stats(op);
      long t0 = System.nanoTime();
      for (int i = 0; i < FLEET; i++) {
        RegistryCredential rc = Fixtures.staticCredential(OperatorHarness.PLATFORM_NS, FLEET_PREFIX + i, REGISTRY, LOGIN);
        rc.getSpec().setSecretName(FLEET_PREFIX + i);
        rc.getSpec().setVerify(false);
        TargetsSpec t = new TargetsSpec();
        t.setNamespaceSelector(new LabelSelectorSpec(Map.of(TARGET_LABEL, "target"), null));
        rc.getSpec().setTargets(t);
        api.client().resource(rc).create();
      }
      long done = fo.await(targets, FLEET, 1_800_000);
      if (done < 0) {
        throw new IllegalStateException("twenty credentials reached only " + fo.count(targets, FLEET) + " of "
            + targets.size() + " namespaces in 30 min");
      }
      List<ApiRequest> writes = settle(api);
      long quietAfter = quiet(op);
      OperatorProbe.Stats s1 = stats(op);
      log("fleet: %d credentials x %d namespaces propagated in %s; %d writes %s; failed writes: %s; operator CPU %s"
              + " (until quiet, %s after the last write), %d reconciles", FLEET, targets.size(), fmtMs(done - t0), writes.size(),
          breakdown(writes), failed(api), fmtMs(s1.processCpuNanos() - s0.processCpuNanos()), fmtMs(quietAfter * 1_000_000L),
          s1.started() - s0.started());
      row(FLEET + " credentials x N namespaces: propagation (" + FLEET + "N Secrets + " + FLEET + "N SA entries)",
          fmtMs(done - t0) + ", " + writes.size() + " writes (failed: " + failedShort(api) + "), operator CPU "
              + fmtMs(s1.processCpuNanos() - s0.processCpuNanos()), "");
    }

    /**
     * Unrelated edits: an annotation (or, with {@code field} "labels", a label) no credential looks
     * at, on the {@code default} ServiceAccount
     * of namespaces spread over the N, one at a time; after each the benchmark waits until its own
     * watch has seen the edit and then until the operator is quiet ({@link OperatorProbe#awaitQuiet}).
     * The operator's CPU over the loop, less its idle rate (measured just before) times the loop's
     * duration, divided by the number of edits, is the cost of one edit. An annotation edit is
     * dropped by the operator's ServiceAccount filter; a label edit passes it (labels select
     * ServiceAccounts), so every credential targeting the namespace reconciles that namespace alone.
     */
    void unrelatedEdits(BenchServer api, Child op, FleetObserver fo, List<String> targets, String field) throws Exception {
      // The idle rate, measured as the loop runs: while the operator child polls for quiet (the
      // polling's allocations cost the operator's JVM some GC time, which the loop pays too).
      OperatorProbe.Stats b0 = stats(op);
      long tb0 = System.nanoTime();
      quiet(op, o.baselineMs);
      OperatorProbe.Stats b1 = stats(op);
      long baseline = System.nanoTime() - tb0;
      double idlePerNano = (double) (b1.processCpuNanos() - b0.processCpuNanos()) / baseline;
      api.clearRequests();
      OperatorProbe.Stats s0 = stats(op);
      long t0 = System.nanoTime();
      for (int i = 0; i < o.edits; i++) {
        String ns = targets.get((int) ((long) i * targets.size() / o.edits));
        ServiceAccount sa = "imagePullSecrets".equals(field)
            ? api.client().serviceAccounts().inNamespace(ns).withName("default").patch(PatchContext.of(PatchType.JSON),
                "[{\"op\":\"add\",\"path\":\"/imagePullSecrets/-\",\"value\":{\"name\":\"bench-other-" + i + "\"}}]")
            : api.client().serviceAccounts().inNamespace(ns).withName("default").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"" + field + "\":{\"" + TOUCHED + "\":\"" + i + "\"}}}");
        if (!fo.awaitAccountVersion(ns, sa.getMetadata().getResourceVersion(), 10_000)) {
          throw new IllegalStateException("the benchmark's watch did not see the edit of " + ns + "/default in 10 s");
        }
        quiet(op);
      }
      long elapsed = System.nanoTime() - t0;
      OperatorProbe.Stats s1 = stats(op);
      List<ApiRequest> writes = settle(api);
      long raw = s1.processCpuNanos() - s0.processCpuNanos();
      long idle = Math.round(idlePerNano * elapsed);
      double perEdit = (raw - idle) / 1e6 / o.edits;
      log("edits (" + field + "): %d unrelated default ServiceAccount edits in %s; operator CPU %s (process, less the benchmark's threads;"
              + " Java threads alone %s), idle rate %.1f ms/s over %d ms before (polling for quiet), so %s idle in the loop; %.1f ms per edit;"
              + " %d events, %d reconciles; %d writes %s", o.edits, fmtMs(elapsed), fmtMs(raw),
          fmtMs(s1.threadCpuNanos() - s0.threadCpuNanos()), idlePerNano * 1000, baseline / 1_000_000, fmtMs(idle), perEdit,
          s1.events() - s0.events(), s1.started() - s0.started(), writes.size(), breakdown(writes));
      double threadsPerEdit = (s1.threadCpuNanos() - s0.threadCpuNanos()) / 1e6 / o.edits;
      boolean related = "imagePullSecrets".equals(field);
      row((related ? "default ServiceAccount edit every credential must look at (a foreign imagePullSecrets entry added)"
              : "unrelated default ServiceAccount " + ("labels".equals(field) ? "label" : "annotation") + " edit")
              + " (" + FLEET + " credentials x N namespaces): operator CPU per edit",
          String.format("%.1f ms (%s for %d edits, less %s idle; Java threads alone %.1f ms per edit); %d reconciles, %d writes",
              perEdit, fmtMs(raw), o.edits, fmtMs(idle), threadsPerEdit, s1.started() - s0.started(), writes.size()),
          related ? "" : "< 5 ms " + mark(perEdit < 5));
    }

    /** New namespaces with the target label, one at a time: until each holds all 20 Secrets and 20 entries on {@code default}. */
    void fleetNewNamespaces(BenchServer api, Child op, FleetObserver fo) throws Exception {
      List<Long> out = new ArrayList<>();
      api.clearRequests();
      for (int i = 0; i < o.newNamespaces; i++) {
        String ns = String.format("bench-fleet-%02d", i);
        long c0 = System.nanoTime();
        createNamespace(api, ns, Map.of(TARGET_LABEL, "target"));
        long done = fo.await(List.of(ns), FLEET, 60_000);
        out.add(done < 0 ? -1 : done - c0);
        settle(api);
        quiet(op);
      }
      List<ApiRequest> writes = api.operatorWrites();
      List<Long> ms = out.stream().map(x -> x < 0 ? -1 : x / 1_000_000).toList();
      log("fleet: new namespace: all %d Secrets and %d entries on default after %s ms; %d writes %s; failed writes: %s", FLEET,
          FLEET, ms, writes.size(), breakdown(writes), failed(api));
      long max = out.stream().mapToLong(x -> x).max().orElse(-1);
      row("new namespace targeted by " + FLEET + " credentials (each selecting all N): " + FLEET + " Secrets + " + FLEET
              + " SA entries (max of " + out.size() + ")", fmtMs(max) + " " + ms,
          "< 2 s " + mark(!out.isEmpty() && out.stream().allMatch(x -> x >= 0) && max < 2_000_000_000L));
    }

    static OperatorProbe.Stats stats(Child op) throws InterruptedException {
      return OperatorProbe.Stats.parse(op.ask("STATS", "STATS").substring(6));
    }

    /** Waits until the operator has been quiet for the settle window; returns the ms it took. */
    long quiet(Child op) throws InterruptedException {
      return quiet(op, o.settleMs);
    }

    static long quiet(Child op, long windowMs) throws InterruptedException {
      long waited = Long.parseLong(op.ask("QUIET " + windowMs, "QUIET").substring(6).trim());
      if (waited < 0) {
        throw new IllegalStateException("the operator was not quiet for " + windowMs + " ms within "
            + QUIET_TIMEOUT_MS / 1000 + " s");
      }
      return waited;
    }

    /** A namespace; on the mock its default SA too (on the real server the controller manager makes it). */
    static void createNamespace(BenchServer s, String ns, Map<String, String> labels) {
      KubernetesClient c = s.client();
      c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
          .withLabels(labels).endMetadata().build()).create();
      if (!s.real()) {
        c.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata()
            .withName("default").withNamespace(ns).endMetadata().build()).create();
      }
    }

    BenchServer server(String what) throws Exception {
      long t0 = System.nanoTime();
      BenchServer s = real()
          ? BenchServer.Real.up(o.logDir.resolve("cp-" + what), m -> log("%s: %s", what, m))
          : new BenchServer.Mock();
      try {
        populate(s, what);
        s.clearRequests();
      } catch (Exception | Error e) {
        s.close();
        throw e;
      }
      log("%s: %s API server with %d namespaces, %d foreign Secrets ready in %d s", what, s.name(), o.namespaces, o.foreign,
          (System.nanoTime() - t0) / 1_000_000_000L);
      return s;
    }

    Observer observer(BenchServer s) throws InterruptedException {
      Observer obs = new Observer(s.newClient(), SECRET_NAME);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (obs.accountsSeen() < o.namespaces && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      return obs;
    }

    /** Waits until the operator has sent no write for quietMs; returns its writes since the log was cleared. */
    List<ApiRequest> settle(BenchServer s) throws InterruptedException {
      int last = -1;
      long since = System.nanoTime();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline) {
        int n = s.operatorWrites().size();
        if (n != last) {
          last = n;
          since = System.nanoTime();
        } else if (System.nanoTime() - since >= o.quietMs * 1_000_000L) {
          break;
        }
        Thread.sleep(100);
      }
      return s.operatorWrites();
    }

    /** Failed writes since the last clear: "none", "{409=3}" (with the first few on the real server), or n/a. */
    static String failed(BenchServer s) {
      Map<Integer, Long> f = s.failedWrites();
      if (f == null) {
        return "n/a (the mock records no responses)";
      }
      if (f.isEmpty()) {
        return "none";
      }
      List<String> which = ((BenchServer.Real) s).failures();
      return f + " e.g. " + which.subList(0, Math.min(3, which.size()));
    }

    static String failedShort(BenchServer s) {
      Map<Integer, Long> f = s.failedWrites();
      return f == null ? "n/a" : f.isEmpty() ? "0" : f.values().stream().mapToLong(x -> x).sum() + " " + f;
    }

    static Map<String, Long> minus(Map<String, Long> a, Map<String, Long> b) {
      Map<String, Long> out = new LinkedHashMap<>();
      a.forEach((k, v) -> out.put(k, v - b.getOrDefault(k, 0L)));
      return out;
    }

    static long total(Map<String, Long> cpu) {
      return cpu.values().stream().mapToLong(x -> x).sum();
    }

    /** "1,234 ms" or, for several processes, "1,234 ms (kube-apiserver 1,000 + etcd 234)". */
    static String cpuText(Map<String, Long> cpu) {
      if (cpu.size() == 1) {
        return String.format("%,d ms", total(cpu));
      }
      List<String> parts = new ArrayList<>();
      cpu.forEach((k, v) -> parts.add(String.format("%s %,d", k, v)));
      return String.format("%,d ms (%s)", total(cpu), String.join(" + ", parts));
    }
    /** "PATCH serviceaccounts" etc.: what a request did, for the breakdown. */
    static String kind(ApiRequest r) {
      String path = r.path();
      String query = "";
      int q = path.indexOf('?');
      if (q >= 0) {
        query = path.substring(q + 1);
        path = path.substring(0, q);
      }
      String[] parts = path.split("/");
      String res = parts[parts.length - 1];
      String sub = "";
      boolean named = false;
      for (int i = 0; i < parts.length; i++) {
        if (parts[i].equals("namespaces") && i + 2 < parts.length) {
          res = parts[i + 2];
          named = i + 3 < parts.length;
          sub = i + 4 < parts.length ? "/" + parts[i + 4] : "";
          break;
        }
      }
      if (parts.length >= 4 && parts[parts.length - 2].equals("namespaces")) {
        res = "namespaces";
        named = true;
      }
      String suffix = query.contains("watch=true") ? " (watch)" : named ? "" : " (list)";
      return r.method() + " " + res + sub + suffix;
    }

    static String breakdown(List<ApiRequest> requests) {
      Map<String, Long> byKind = new TreeMap<>();
      requests.forEach(r -> byKind.merge(kind(r), 1L, Long::sum));
      return byKind.toString();
    }

    static String fmtMs(long nanos) {
      return String.format("%,d ms", nanos / 1_000_000);
    }

    static String mib(long bytes) {
      return String.format("%.0f MiB", bytes / 1024.0 / 1024.0);
    }

    /** What the floor measured; {@link #SKIPPED} when it did not run. */
    record Floor(long nanos, int writes, long cpu, Map<String, Long> serverCpu, String failed) {
      static final Floor SKIPPED = new Floor(-1, -1, -1, null, "skipped");
    }

    /** The floor, on its own server holding the same objects: the 2N writes alone. */
    Floor floor(List<String> targets) throws Exception {
      try (BenchServer api = server("floor")) {
        Observer obs = observer(api);
        try (Child floor = new Child(o, "floor", api, o.logDir.resolve("floor.log"))) {
          floor.expect("READY", 120);
          api.clearRequests();
          long cpuChild0 = floor.cpuMillis();
          Map<String, Long> cpuServer0 = api.cpuMillis();
          long t0 = System.nanoTime();
          floor.stdin.println("GO");
          long done = obs.await(targets, s -> s.data() != null && s.entry(), true, true, 600_000);
          String childSays = floor.expect("DONE", 600);
          if (done < 0) {
            throw new IllegalStateException("floor did not finish");
          }
          Floor f = new Floor(done - t0, api.operatorWrites().size(), floor.cpuMillis() - cpuChild0,
              minus(api.cpuMillis(), cpuServer0), failedShort(api));
          log("floor: %s (the client's own clock: %s ms; first write after %s, last write at %s), %d writes; all its requests %s;"
                  + " failed writes: %s; CPU: client %,d ms, server %s", fmtMs(f.nanos()), childSays.substring(5),
              fmtMs(api.firstWrite() - t0), fmtMs(api.lastWrite() - t0), f.writes(), breakdown(api.operatorRequests()),
              failed(api), f.cpu(), cpuText(f.serverCpu()));
          return f;
        } finally {
          obs.close();
        }
      }
    }

    void run() throws Exception {
      Files.createDirectories(o.logDir);
      if (o.reuse != null) {
        o.server = "real";
        rest();
        return;
      }
      if (o.server == null) {
        String why = io.pullsecrets.operator.testing.ControlPlane.buildStatus();
        o.server = why == null ? "real" : "mock";
        if (why != null) {
          log("server: mock, because the real control plane cannot run here: %s", why);
        }
      }
      int n = o.namespaces;
      List<String> targets = targets(n);
      String started = LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME);
      log("server: %s; N=%d namespaces, F=%d foreign Secrets (2 KiB), idle window %d s; child JVM: %s", o.server, n,
          o.foreign, o.idleSeconds, o.childJvm);

      // 1. The floor, on its own server holding the same objects.
      Floor floor = o.floor && !"fleet".equals(o.only) ? floor(targets) : Floor.SKIPPED;

      // 2. The operator.
      if (!o.operator) {
        return;
      }
      try (BenchServer api = server("operator")) {
        Fixtures.loginSecret(api.client(), OperatorHarness.PLATFORM_NS, LOGIN, "robot", "password-1");
        Observer obs = observer(api);
        try (Child op = new Child(o, "operator", api, o.logDir.resolve("operator.log"))) {
          long s0 = System.nanoTime();
          op.expect("READY", 300);
          long[] rssStart = op.rss();
          log("operator: started, caches synced in %s; RSS %s; startup %s %s", fmtMs(System.nanoTime() - s0),
              mib(rssStart[1]), api.real() ? "writes" : "requests", breakdown(api.operatorRequests()));

          if (!"fleet".equals(o.only)) {
            singleCredential(api, obs, op, rssStart, floor);
          }
          if (o.fleet) {
            fleet(api, obs, op);
          }
          if (o.keep && api instanceof BenchServer.Real r) {
            r.keep();
            log("control plane kept in %s (bench/run.sh --reuse=%s; hack/control-plane.sh down %s stops it)", r.dir, r.dir, r.dir);
          }
          report.add(0, String.format("pullsecret-operator benchmark, server=%s, %s, %s, %d CPUs; N=%d, F=%d, idle %d s",
              api.name(), started, hostInfo(), Runtime.getRuntime().availableProcessors(), n, o.foreign, o.idleSeconds));
        } finally {
          obs.close();
        }
      }
      print();
    }
    /**
     * A fresh operator against a kept control plane ({@code --reuse}): its startup pass over
     * everything the last run left (every Secret current, so it should write nothing), then the
     * operator at rest: RSS, heap, live heap after a full GC, native memory; then new namespaces.
     */
    void rest() throws Exception {
      String tag = Long.toString(System.currentTimeMillis() / 1000 % 100_000);
      try (BenchServer.Real api = BenchServer.Real.attach(o.reuse)) {
        long managed = api.client().secrets().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
            .list().getItems().size();
        log("rest: %s, %d managed Secrets; child JVM: %s; load average %s", api.dir, managed, o.childJvm, loadAverage());
        api.clearRequests();
        Map<String, Long> server0 = api.cpuMillis();
        long t0 = System.nanoTime();
        try (Child op = new Child(o, "operator", api, o.logDir.resolve("operator-rest-" + tag + ".log"))) {
          op.expect("READY", 900);
          long ready = System.nanoTime() - t0;
          long[] rssReady = op.rss();
          long waited = -1;
          for (int i = 0; i < 10 && waited < 0; i++) {
            waited = Long.parseLong(op.ask("QUIET 2000", "QUIET").substring(6).trim());
          }
          long quietAt = System.nanoTime() - t0 - 2_000_000_000L;
          long cpu = op.cpuMillis();
          List<ApiRequest> writes = settle(api);
          Map<String, Long> serverCpu = minus(api.cpuMillis(), server0);
          Map<String, Long> m = new HashMap<>();
          for (String kv : op.ask("MEM", "MEM").substring(4).split(" ")) {
            String[] p = kv.split("=");
            m.put(p[0], Long.parseLong(p[1]));
          }
          long[] rss = op.rss();
          long live = Long.parseLong(op.ask("GC", "GC").replaceAll(".*liveHeap=", ""));
          long[] rssGc = op.rss();
          String nmt = "";
          if (o.childJvm.contains("NativeMemoryTracking")) {
            Path file = o.logDir.resolve("nmt-" + tag + ".txt");
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(op.process.pid()), "VM.native_memory", "summary", "scale=MB").redirectErrorStream(true)
                .redirectOutput(file.toFile()).start();
            if (jcmd.waitFor(120, TimeUnit.SECONDS)) {
              nmt = Files.readAllLines(file).stream().filter(l -> l.matches("(Total:.*|-\\s+\\S.*\\(reserved=.*)"))
                  .map(l -> l.replaceAll("\\s+", " ").trim()).reduce((a, b) -> a + System.lineSeparator() + b).orElse("")
                  + System.lineSeparator() + "(whole: " + file + ")";
            }
          }
          log("rest: READY (informers synced) after %s, RSS %s; startup pass quiet after %s (waited %d ms), operator CPU %,d ms,"
                  + " server %s; %d writes %s; failed writes: %s", fmtMs(ready), mib(rssReady[1]), fmtMs(quietAt), waited, cpu,
              cpuText(serverCpu), writes.size(), breakdown(writes), failed(api));
          log("rest: at %d managed Secrets: RSS %s, peak (VmHWM) %s; heap used %s, committed %s, max %s, peak used %s;"
                  + " live heap after full GC %s; RSS after it %s; load average %s%n%s", managed, mib(rss[1]), mib(rss[0]),
              mib(m.get("heapUsed")), mib(m.get("heapCommitted")), mib(m.get("heapMax")), mib(m.get("peakHeap")), mib(live),
              mib(rssGc[1]), loadAverage(), nmt);
          row("child JVM", o.childJvm, "");
          row("startup pass at " + managed + " managed Secrets: informers synced / quiet / operator CPU / writes",
              fmtMs(ready) + " / " + fmtMs(quietAt) + " / " + String.format("%,d ms", cpu) + " / " + writes.size(), "");
          row("RSS at rest / peak (VmHWM) / after full GC", mib(rss[1]) + " / " + mib(rss[0]) + " / " + mib(rssGc[1]),
              "RSS <= 256 MiB " + mark(rss[1] <= 256L * 1024 * 1024 && rss[0] <= 256L * 1024 * 1024));
          row("heap committed / live after full GC", mib(m.get("heapCommitted")) + " / " + mib(live), "");
          if (o.newNamespaces > 0) {
            try (FleetObserver fo = new FleetObserver(api.newClient(), FLEET_PREFIX)) {
              // The benchmark's own watch has caught up (every target's 20 Secrets and entries) before a clock starts.
              List<String> targets = api.client().namespaces().withLabel(TARGET_LABEL, "target").list().getItems().stream()
                  .map(n -> n.getMetadata().getName()).toList();
              long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
              while (fo.count(targets, FLEET) < targets.size() && System.nanoTime() < deadline) {
                Thread.sleep(100);
              }
              List<Long> out = new ArrayList<>();
              api.clearRequests();
              for (int i = 0; i < o.newNamespaces; i++) {
                String ns = "bench-rest-" + tag + "-" + i;
                long c0 = System.nanoTime();
                createNamespace(api, ns, Map.of(TARGET_LABEL, "target"));
                long done = fo.await(List.of(ns), FLEET, 60_000);
                out.add(done < 0 ? -1 : (done - c0) / 1_000_000);
                settle(api);
                quiet(op);
              }
              List<ApiRequest> w = api.operatorWrites();
              log("rest: new namespace: all %d Secrets and %d entries on default after %s ms; %d writes %s; failed writes: %s;"
                  + " load average %s", FLEET, FLEET, out, w.size(), breakdown(w), failed(api), loadAverage());
              row("new namespace (ms, each)", out + "; " + w.size() + " writes, failed " + failedShort(api), "");
            }
          }
        }
        report.add(0, String.format("pullsecret-operator benchmark (rest), %s, %d CPUs", hostInfo(),
            Runtime.getRuntime().availableProcessors()));
      }
      print();
    }

    static String loadAverage() {
      try {
        return String.join(" ", Arrays.asList(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
      } catch (IOException e) {
        return "?";
      }
    }

    /**
     * One static credential selecting the N target namespaces: propagation, rotation, new
     * namespaces, writes at rest and memory, compared with the floor.
     */
    void singleCredential(BenchServer api, Observer obs, Child op, long[] rssStart, Floor floor) throws Exception {
      int n = o.namespaces;
      List<String> targets = targets(n);
      // Propagation.
      RegistryCredential rc = Fixtures.staticCredential(OperatorHarness.PLATFORM_NS, RC_NAME, REGISTRY, LOGIN);
      rc.getSpec().setSecretName(SECRET_NAME);
      rc.getSpec().setVerify(false);
      TargetsSpec t = new TargetsSpec();
      t.setNamespaceSelector(new LabelSelectorSpec(Map.of(TARGET_LABEL, "target"), null));
      rc.getSpec().setTargets(t);
      api.clearRequests();
      long cpuChild0 = op.cpuMillis();
      Map<String, Long> cpuServer0 = api.cpuMillis();
      long kcm0 = api instanceof BenchServer.Real r ? r.controllerManagerCpuMillis() : 0;
      long t0 = System.nanoTime();
      api.client().resource(rc).create();
      long done = obs.await(targets, s -> s.data() != null && s.entry(), true, true, 600_000);
      if (done < 0) {
        throw new IllegalStateException("propagation did not finish in 10 min");
      }
      long propNanos = done - t0;
      long propCpu = op.cpuMillis() - cpuChild0;
      Map<String, Long> propServerCpu = minus(api.cpuMillis(), cpuServer0);
      long kcmCpu = api instanceof BenchServer.Real r ? r.controllerManagerCpuMillis() - kcm0 : -1;
      long firstWrite = api.firstWrite() - t0;
      long lastWrite = api.lastWrite() - t0;
      List<ApiRequest> propWrites = settle(api);
      String propFailed = failedShort(api);
      log("propagation: %s (first write after %s, last write before done at %s), %d writes %s; failed writes: %s;"
              + " CPU: operator %,d ms, server %s%s", fmtMs(propNanos), fmtMs(firstWrite), fmtMs(lastWrite),
          propWrites.size(), breakdown(propWrites), failed(api), propCpu, cpuText(propServerCpu),
          kcmCpu >= 0 ? String.format(" (and kube-controller-manager %,d ms)", kcmCpu) : "");
      if (!api.real()) {
        log("propagation: all operator requests %s", breakdown(api.operatorRequests()));
      }
      long[] rssProp = op.rss();
      String oldData = obs.data(targets.get(0));

      // Rotation.
      api.clearRequests();
      long r0 = System.nanoTime();
      Fixtures.loginSecret(api.client(), OperatorHarness.PLATFORM_NS, LOGIN, "robot", "password-2");
      Predicate<Observer.Seen> rotated = s -> s.data() != null && !s.data().equals(oldData) && s.entry();
      long rdone = obs.await(targets, rotated, true, false, 600_000);
      if (rdone < 0) {
        throw new IllegalStateException("rotation did not finish in 10 min");
      }
      long rotNanos = rdone - r0;
      List<ApiRequest> rotWrites = settle(api);
      String rotFailed = failedShort(api);
      log("rotation: %s, %d writes %s; failed writes: %s", fmtMs(rotNanos), rotWrites.size(), breakdown(rotWrites),
          failed(api));

      // New namespaces.
      List<Long> newNs = new ArrayList<>();
      List<Long> newNsEntry = new ArrayList<>();
      api.clearRequests();
      for (int i = 0; i < o.newNamespaces; i++) {
        String ns = String.format("bench-new-%02d", i);
        long c0 = System.nanoTime();
        createNamespace(api, ns, Map.of(TARGET_LABEL, "target"));
        long sdone = obs.await(List.of(ns), s -> s.data() != null, true, false, 60_000);
        long edone = obs.await(List.of(ns), s -> s.data() != null && s.entry(), true, true, 60_000);
        newNs.add(sdone < 0 ? -1 : sdone - c0);
        newNsEntry.add(edone < 0 ? -1 : edone - c0);
        settle(api);
      }
      List<ApiRequest> newWrites = api.operatorWrites();
      String newFailed = failedShort(api);
      log("new namespaces: Secret after %s, SA entry after %s (ms); %d writes %s; failed writes: %s",
          newNs.stream().map(x -> x / 1_000_000).toList(), newNsEntry.stream().map(x -> x / 1_000_000).toList(),
          newWrites.size(), breakdown(newWrites), failed(api));

      // Idle.
      api.clearRequests();
      Thread.sleep(o.idleSeconds * 1000L);
      List<ApiRequest> idle = api.operatorRequests();
      List<ApiRequest> idleWrites = idle.stream().filter(ApiRequest::isWrite).toList();
      log("idle %d s: %d writes %s%s", o.idleSeconds, idleWrites.size(), breakdown(idleWrites),
          api.real() ? " (the audit log records writes only)" : "; all requests " + breakdown(idle));

      // Memory.
      String mem = op.ask("MEM", "MEM");
      long[] rssEnd = op.rss();
      Map<String, Long> m = new HashMap<>();
      for (String kv : mem.substring(4).split(" ")) {
        String[] p = kv.split("=");
        m.put(p[0], Long.parseLong(p[1]));
      }
      String gc = op.ask("GC", "GC");
      long live = Long.parseLong(gc.replaceAll(".*liveHeap=", ""));
      log("memory: %s; live heap after full GC %s; RSS at start %s, after propagation %s, at end %s, peak (VmHWM) %s",
          mem, mib(live), mib(rssStart[1]), mib(rssProp[1]), mib(rssEnd[1]), mib(rssEnd[0]));

      // Report.
      long newMax = newNs.stream().mapToLong(x -> x).max().orElse(-1);
      long newEntryMax = newNsEntry.stream().mapToLong(x -> x).max().orElse(-1);
      double ratio = floor.nanos() > 0 ? (double) propNanos / floor.nanos() : Double.NaN;
      row("API server", api.describe(), "");
      row("propagation, operator (N namespaces: Secret + SA entry)", fmtMs(propNanos), "");
      row("propagation, floor (2N writes, 4 threads)", floor.nanos() > 0 ? fmtMs(floor.nanos()) + " (" + floor.writes() + " writes)" : "skipped", "");
      row("CPU during propagation: operator / floor client", String.format("%,d ms / %s", propCpu,
          floor.cpu() < 0 ? "skipped" : String.format("%,d ms", floor.cpu())), "");
      row("CPU during propagation: " + (api.real() ? "API server, kube-apiserver + etcd" : "mock server + observer (benchmark JVM)")
              + " (operator run / floor run)",
          cpuText(propServerCpu) + " / " + (floor.serverCpu() == null ? "skipped" : cpuText(floor.serverCpu())), "");
      row("operator: first write after apply", fmtMs(firstWrite), "");
      row("ratio operator / floor", Double.isNaN(ratio) ? "n/a" : String.format("%.2fx", ratio), "<= 1.5x " + (Double.isNaN(ratio) ? "(n/a)" : mark(ratio <= 1.5)));
      row("writes to propagate", String.valueOf(propWrites.size()), "<= 2N+5 = " + (2 * n + 5) + " " + mark(propWrites.size() <= 2 * n + 5));
      row("failed writes (response >= 400): propagation / rotation / new namespaces / floor",
          propFailed + " / " + rotFailed + " / " + newFailed + " / " + floor.failed(), "");
      row("rotation of the source Secret: time", fmtMs(rotNanos), "");
      row("writes per rotation", String.valueOf(rotWrites.size()), "<= N+5 = " + (n + 5) + " " + mark(rotWrites.size() <= n + 5));
      row("writes in " + o.idleSeconds + " idle seconds", String.valueOf(idleWrites.size()), "0 " + mark(idleWrites.isEmpty()));
      row("new namespace: Secret (max of " + o.newNamespaces + ")", fmtMs(newMax) + " " + newNs.stream().map(x -> x / 1_000_000).toList(),
          "< 2 s " + mark(newMax >= 0 && newMax < 2_000_000_000L));
      row("new namespace: Secret + SA entry (max)", fmtMs(newEntryMax) + " " + newNsEntry.stream().map(x -> x / 1_000_000).toList(), "");
      row("operator peak heap used (sampled every 10 ms)", mib(m.get("peakHeap")), "");
      row("operator live heap after full GC (end)", mib(live), "");
      row("operator heap committed / max", mib(m.get("heapCommitted")) + " / " + mib(m.get("heapMax")), "");
      row("operator RSS: peak (VmHWM) / at end (VmRSS)", mib(rssEnd[0]) + " / " + mib(rssEnd[1]),
          "<= 256 MiB at N=5000, F=20000 " + (n >= 5000 && o.foreign >= 20000 ? mark(rssEnd[0] <= 256L * 1024 * 1024) : "(n/a: other size)"));
    }

    static String mark(boolean ok) {
      return ok ? "(met)" : "(MISSED)";
    }

    static String hostInfo() {
      try {
        String model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
            .findFirst().map(l -> l.replaceFirst("model name\\s*:\\s*", "")).orElse("?");
        return model + ", Java " + System.getProperty("java.version");
      } catch (IOException e) {
        return "?";
      }
    }

    void print() {
      System.out.println();
      report.forEach(System.out::println);
      System.out.println();
      System.out.println("| measure | value | goal |");
      System.out.println("| --- | --- | --- |");
      for (String[] r : table) {
        System.out.println("| " + r[0] + " | " + r[1] + " | " + r[2] + " |");
      }
    }
  }
}
