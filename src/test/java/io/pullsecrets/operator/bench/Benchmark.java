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
 * The benchmark command (issue 5): the real operator against fabric8's CRUD mock API server, with
 * N target namespaces and F foreign Secrets, measured against the floor (a plain client doing only
 * the 2N writes). See {@code bench/run.sh} and README "Benchmarks".
 *
 * <p>The parent process runs the mock API servers and the observer; the operator (and the floor
 * client) run in child JVMs started with {@code --mode=operator} / {@code --mode=floor}, with the
 * container image's JVM flags, so that the child's RSS is the operator's alone. Requests are
 * counted at the mock server by the child's User-Agent.
 */
public final class Benchmark {
  static final String TAG = "@@BENCH ";
  static final String SECRET_NAME = "regcred";
  static final String RC_NAME = "bench";
  static final String LOGIN = "bench-login";
  static final String REGISTRY = "registry.example.com";
  static final String TARGET_LABEL = "pullsecrets-bench";
  /** The image's JAVA_TOOL_OPTIONS, with the chart's 512Mi memory limit given as MaxRAM. */
  static final String DEFAULT_CHILD_JVM =
      "-XX:MaxRAM=512m -XX:MaxRAMPercentage=70 -XX:InitialRAMPercentage=30 -XX:+ExitOnOutOfMemoryError "
          + "-XX:+UseSerialGC -Xss512k -XX:TieredStopAtLevel=1 -Dfile.encoding=UTF-8 -Duser.timezone=UTC";

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
    String server;
    String childJvm = System.getenv().getOrDefault("BENCH_CHILD_JVM_OPTS", DEFAULT_CHILD_JVM);
    Path logDir = Path.of(System.getenv().getOrDefault("BENCH_LOG_DIR", "target/bench"));

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
          case "server" -> o.server = v;
          case "log-dir" -> o.logDir = Path.of(v);
          case "help", "h" -> {
            System.out.println("""
                usage: bench/run.sh [--namespaces=1000] [--foreign=5000] [--idle=30] [--new-namespaces=3]
                                    [--quiet-ms=3000] [--floor=true] [--log-dir=target/bench]
                                    [--operator=true] [--floor-get=false]
                  --floor-get=true: the floor GETs each SA before patching it, as withName(..).patch(..) does
                  BENCH_CHILD_JVM_OPTS overrides the operator JVM's flags (default: the image's, MaxRAM=512m)""");
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
      case "parent" -> new Parent(o).run();
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

  static KubernetesClient childClient(String url) {
    Config config = new ConfigBuilder(Config.empty())
        .withMasterUrl(url)
        .withTrustCerts(true)
        .withNamespace("test")
        .withHttp2Disable(true)
        .withUserAgent(MockApiServer.OPERATOR_AGENT)
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

    KubernetesClient client = childClient(o.server);
    OperatorConfig config = OperatorHarness.config(Set.of());
    Main.Running running = Main.create(client, config, PullSecretOperator.Options.defaults(client).withJosdk(j -> j.withUseSSAToPatchPrimaryResource(false)), Main.Launch.defaults());
    running.start();
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
        default -> System.out.println(TAG + "ERR unknown command " + line);
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
    KubernetesClient client = childClient(o.server);
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

    Child(Options o, String mode, String url, Path log) throws IOException {
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
      cmd.add("--server=" + url);
      cmd.add("--namespaces=" + o.namespaces);
      cmd.add("--floor-get=" + o.floorGet);
      Files.createDirectories(log.getParent());
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
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

  /** CPU time of this process (the mock API server and the observer), in ms. */
  static long parentCpuMillis() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1_000_000;
  }

  /** First and last write the operator (or floor client) sent, seen as the request arrives at the mock server. */
  static final class WriteClock {
    volatile long first;
    volatile long last;

    void install(MockApiServer api) {
      api.setFault(r -> {
        if (MockApiServer.OPERATOR_AGENT.equals(r.getHeader("User-Agent"))
            && switch (r.getMethod()) { case "POST", "PUT", "PATCH", "DELETE" -> true; default -> false; }) {
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

    synchronized void reset() {
      first = 0;
      last = 0;
    }
  }

  static final class Parent {
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

    /** Namespaces (each with its default SA, labelled as targets), foreign Secrets, the login Secret. */
    void populate(MockApiServer api) throws Exception {
      KubernetesClient c = api.client();
      Fixtures.namespace(c, OperatorHarness.OPERATOR_NS, Map.of());
      Fixtures.namespace(c, OperatorHarness.PLATFORM_NS, Map.of());
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < o.namespaces; i++) {
        String ns = nsName(i);
        fs.add(pool.submit(() -> createNamespace(c, ns)));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      fs.clear();
      Random random = new Random(42);
      for (int i = 0; i < o.foreign; i++) {
        byte[] blob = new byte[1536]; // 2,048 bytes once base64-encoded
        random.nextBytes(blob);
        String ns = nsName(i % o.namespaces);
        String name = i % 10 == 0 ? "foreign-" + i + "-dockercfg" : "foreign-" + i;
        Secret s = new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns)
            .withLabels(Map.of("app", "unrelated-" + (i % 7))).endMetadata()
            .withType(i % 10 == 0 ? Replicator.SECRET_TYPE : "Opaque")
            .withData(Map.of(i % 10 == 0 ? Replicator.DATA_KEY : "blob", Base64.getEncoder().encodeToString(blob)))
            .build();
        fs.add(pool.submit(() -> c.secrets().inNamespace(ns).resource(s).create()));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      pool.shutdown();
    }

    static void createNamespace(KubernetesClient c, String ns) {
      c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
          .withLabels(Map.of(TARGET_LABEL, "target")).endMetadata().build()).create();
      c.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata()
          .withName("default").withNamespace(ns).endMetadata().build()).create();
    }

    MockApiServer server(String what) throws Exception {
      long t0 = System.nanoTime();
      MockApiServer api = new MockApiServer();
      populate(api);
      api.clearRequests();
      log("%s: mock API server with %d namespaces, %d foreign Secrets ready in %d s", what, o.namespaces, o.foreign,
          (System.nanoTime() - t0) / 1_000_000_000L);
      return api;
    }

    static String url(MockApiServer api) {
      return api.server().url("/");
    }

    Observer observer(MockApiServer api) throws InterruptedException {
      Observer obs = new Observer(api.newClient(), SECRET_NAME);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (obs.accountsSeen() < o.namespaces && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      return obs;
    }

    static List<io.pullsecrets.operator.testing.ApiRequest> operatorWrites(MockApiServer api) {
      return api.operatorRequests().stream().filter(io.pullsecrets.operator.testing.ApiRequest::isWrite).toList();
    }

    /** Waits until the operator has sent no write for quietMs; returns its writes since the log was cleared. */
    List<io.pullsecrets.operator.testing.ApiRequest> settle(MockApiServer api) throws InterruptedException {
      int last = -1;
      long since = System.nanoTime();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline) {
        int n = operatorWrites(api).size();
        if (n != last) {
          last = n;
          since = System.nanoTime();
        } else if (System.nanoTime() - since >= o.quietMs * 1_000_000L) {
          break;
        }
        Thread.sleep(100);
      }
      return operatorWrites(api);
    }

    /** "PATCH serviceaccounts" etc.: what a request did, for the breakdown. */
    static String kind(io.pullsecrets.operator.testing.ApiRequest r) {
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

    static String breakdown(List<io.pullsecrets.operator.testing.ApiRequest> requests) {
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

    void run() throws Exception {
      Files.createDirectories(o.logDir);
      int n = o.namespaces;
      List<String> targets = targets(n);
      String started = LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME);
      log("N=%d namespaces, F=%d foreign Secrets (2 KiB), idle window %d s; child JVM: %s", n, o.foreign,
          o.idleSeconds, o.childJvm);

      // 1. The floor, on its own mock server holding the same objects.
      long floorNanos = -1;
      int floorWrites = -1;
      long floorCpu = -1;
      long floorServerCpu = -1;
      if (o.floor) {
        try (MockApiServer api = server("floor")) {
          Observer obs = observer(api);
          try (Child floor = new Child(o, "floor", url(api), o.logDir.resolve("floor.log"))) {
            floor.expect("READY", 120);
            api.clearRequests();
            WriteClock clock = new WriteClock();
            clock.install(api);
            long cpuChild0 = floor.cpuMillis();
            long cpuParent0 = parentCpuMillis();
            long t0 = System.nanoTime();
            floor.stdin.println("GO");
            long done = obs.await(targets, s -> s.data() != null && s.entry(), true, true, 600_000);
            String childSays = floor.expect("DONE", 600);
            if (done < 0) {
              throw new IllegalStateException("floor did not finish");
            }
            floorNanos = done - t0;
            floorCpu = floor.cpuMillis() - cpuChild0;
            floorServerCpu = parentCpuMillis() - cpuParent0;
            floorWrites = operatorWrites(api).size();
            log("floor: %s (the client's own clock: %s ms; first write after %s, last write at %s), %d writes; all its requests %s;"
                    + " CPU: client %,d ms, mock server + observer %,d ms", fmtMs(floorNanos), childSays.substring(5),
                fmtMs(clock.first - t0), fmtMs(clock.last - t0), floorWrites, breakdown(api.operatorRequests()), floorCpu, floorServerCpu);
          } finally {
            obs.close();
          }
        }
      }

      // 2. The operator.
      if (!o.operator) {
        return;
      }
      try (MockApiServer api = server("operator")) {
        Fixtures.loginSecret(api.client(), OperatorHarness.PLATFORM_NS, LOGIN, "robot", "password-1");
        Observer obs = observer(api);
        try (Child op = new Child(o, "operator", url(api), o.logDir.resolve("operator.log"))) {
          long s0 = System.nanoTime();
          op.expect("READY", 300);
          long[] rssStart = op.rss();
          log("operator: started, caches synced in %s; RSS %s; startup requests %s", fmtMs(System.nanoTime() - s0),
              mib(rssStart[1]), breakdown(api.operatorRequests()));
          api.clearRequests();

          // Propagation.
          RegistryCredential rc = Fixtures.staticCredential(OperatorHarness.PLATFORM_NS, RC_NAME, REGISTRY, LOGIN);
          rc.getSpec().setSecretName(SECRET_NAME);
          rc.getSpec().setVerify(false);
          TargetsSpec t = new TargetsSpec();
          t.setNamespaceSelector(new LabelSelectorSpec(Map.of(TARGET_LABEL, "target"), null));
          rc.getSpec().setTargets(t);
          WriteClock clock = new WriteClock();
          clock.install(api);
          long cpuChild0 = op.cpuMillis();
          long cpuParent0 = parentCpuMillis();
          long t0 = System.nanoTime();
          api.client().resource(rc).create();
          long done = obs.await(targets, s -> s.data() != null && s.entry(), true, true, 600_000);
          if (done < 0) {
            throw new IllegalStateException("propagation did not finish in 10 min");
          }
          long propNanos = done - t0;
          long propCpu = op.cpuMillis() - cpuChild0;
          long propServerCpu = parentCpuMillis() - cpuParent0;
          long firstWrite = clock.first - t0;
          long lastWrite = clock.last - t0;
          List<io.pullsecrets.operator.testing.ApiRequest> propWrites = settle(api);
          log("propagation: %s (first write after %s, last write before done at %s), %d writes %s; CPU: operator %,d ms,"
                  + " mock server + observer %,d ms", fmtMs(propNanos), fmtMs(firstWrite), fmtMs(lastWrite), propWrites.size(),
              breakdown(propWrites), propCpu, propServerCpu);
          log("propagation: all operator requests %s", breakdown(api.operatorRequests()));
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
          List<io.pullsecrets.operator.testing.ApiRequest> rotWrites = settle(api);
          log("rotation: %s, %d writes %s", fmtMs(rotNanos), rotWrites.size(), breakdown(rotWrites));

          // New namespaces.
          List<Long> newNs = new ArrayList<>();
          List<Long> newNsEntry = new ArrayList<>();
          api.clearRequests();
          for (int i = 0; i < o.newNamespaces; i++) {
            String ns = String.format("bench-new-%02d", i);
            long c0 = System.nanoTime();
            createNamespace(api.client(), ns);
            long sdone = obs.await(List.of(ns), s -> s.data() != null, true, false, 60_000);
            long edone = obs.await(List.of(ns), s -> s.data() != null && s.entry(), true, true, 60_000);
            newNs.add(sdone < 0 ? -1 : sdone - c0);
            newNsEntry.add(edone < 0 ? -1 : edone - c0);
            settle(api);
          }
          List<io.pullsecrets.operator.testing.ApiRequest> newWrites = operatorWrites(api);
          log("new namespaces: Secret after %s, SA entry after %s (ms); %d writes %s",
              newNs.stream().map(x -> x / 1_000_000).toList(), newNsEntry.stream().map(x -> x / 1_000_000).toList(),
              newWrites.size(), breakdown(newWrites));

          // Idle.
          api.clearRequests();
          Thread.sleep(o.idleSeconds * 1000L);
          List<io.pullsecrets.operator.testing.ApiRequest> idle = api.operatorRequests();
          List<io.pullsecrets.operator.testing.ApiRequest> idleWrites = idle.stream().filter(io.pullsecrets.operator.testing.ApiRequest::isWrite).toList();
          log("idle %d s: %d writes %s; all requests %s", o.idleSeconds, idleWrites.size(), breakdown(idleWrites), breakdown(idle));

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
          double ratio = floorNanos > 0 ? (double) propNanos / floorNanos : Double.NaN;
          row("propagation, operator (N namespaces: Secret + SA entry)", fmtMs(propNanos), "");
          row("propagation, floor (2N writes, 4 threads)", floorNanos > 0 ? fmtMs(floorNanos) + " (" + floorWrites + " writes)" : "skipped", "");
          row("CPU during propagation: operator / floor client", String.format("%,d ms / %s", propCpu,
              floorCpu < 0 ? "skipped" : String.format("%,d ms", floorCpu)), "");
          row("CPU during propagation: mock server (operator run / floor run)", String.format("%,d ms / %s", propServerCpu,
              floorServerCpu < 0 ? "skipped" : String.format("%,d ms", floorServerCpu)), "");
          row("operator: first write after apply", fmtMs(firstWrite), "");
          row("ratio operator / floor", Double.isNaN(ratio) ? "n/a" : String.format("%.2fx", ratio), "<= 1.5x " + (Double.isNaN(ratio) ? "(n/a)" : mark(ratio <= 1.5)));
          row("writes to propagate", String.valueOf(propWrites.size()), "<= 2N+5 = " + (2 * n + 5) + " " + mark(propWrites.size() <= 2 * n + 5));
          row("rotation of the source Secret: time", fmtMs(rotNanos), "");
          row("writes per rotation", String.valueOf(rotWrites.size()), "<= N+5 = " + (n + 5) + " " + mark(rotWrites.size() <= n + 5));
          row("writes in " + o.idleSeconds + " idle seconds", String.valueOf(idleWrites.size()), "0 " + mark(idleWrites.isEmpty()));
          row("new namespace: Secret (max of " + o.newNamespaces + ")", fmtMs(newMax) + " " + newNs.stream().map(x -> x / 1_000_000).toList(),
              "< 2 s " + mark(newMax >= 0 && newMax < 2_000_000_000L));
          row("new namespace: Secret + SA entry (max)", fmtMs(newEntryMax), "");
          row("operator peak heap used (sampled every 10 ms)", mib(m.get("peakHeap")), "");
          row("operator live heap after full GC (end)", mib(live), "");
          row("operator heap committed / max", mib(m.get("heapCommitted")) + " / " + mib(m.get("heapMax")), "");
          row("operator RSS: peak (VmHWM) / at end (VmRSS)", mib(rssEnd[0]) + " / " + mib(rssEnd[1]),
              "<= 256 MiB at N=5000, F=20000 " + (n >= 5000 && o.foreign >= 20000 ? mark(rssEnd[0] <= 256L * 1024 * 1024) : "(n/a: other size)"));
          report.add(String.format("pullsecret-operator benchmark, %s, %s, %d CPUs; N=%d, F=%d, idle %d s",
              started, hostInfo(), Runtime.getRuntime().availableProcessors(), n, o.foreign, o.idleSeconds));
        } finally {
          obs.close();
        }
      }
      print();
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
