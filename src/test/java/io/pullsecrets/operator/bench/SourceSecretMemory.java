package io.pullsecrets.operator.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.LabelSelectorSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.ServiceAccountsSpec;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The source-Secret memory benchmark (issue 17): the operator's resident memory with C static
 * RegistryCredentials in one tenant namespace, each reading its own source Secret, in three
 * phases on one real control plane, each with a fresh operator JVM (the container image's JVM
 * flags, {@link Benchmark#DEFAULT_CHILD_JVM}):
 * <ol>
 *   <li>{@code small}: the sources hold only {@code username} and {@code password};
 *   <li>{@code unreferenced}: the same, plus C Secrets of S KB in the namespace that nothing reads;
 *   <li>{@code referenced}: those deleted, and each source gets a key {@code padding} of S KB.
 * </ol>
 * In each phase, once every credential's Secret exists and the operator is quiet: {@code jcmd
 * <pid> GC.run}, then VmRSS from {@code /proc/<pid>/status} and the heap in use. See {@code
 * bench/source-secrets.sh} and README "Benchmarks".
 */
public final class SourceSecretMemory {
  static final String TENANT = "tenant";
  static final String REGISTRY = "registry.example.com";

  private SourceSecretMemory() {}

  public static void main(String[] args) throws Exception {
    int count = 1000;
    int sizeKb = 500;
    Path logDir = Path.of(System.getenv().getOrDefault("BENCH_LOG_DIR", "target/bench"));
    for (String a : args) {
      String[] kv = a.replaceFirst("^--", "").split("=", 2);
      switch (kv[0]) {
        case "count" -> count = Integer.parseInt(kv[1]);
        case "size-kb" -> sizeKb = Integer.parseInt(kv[1]);
        case "log-dir" -> logDir = Path.of(kv[1]);
        case "help", "h" -> {
          System.out.println("""
              usage: bench/source-secrets.sh [--count=1000] [--size-kb=500] [--log-dir=target/bench]
                --count static credentials in namespace 'tenant', each reading its own source Secret;
                phases small / unreferenced (count Secrets of size-kb KB nobody reads) / referenced (each
                source gets a size-kb KB key). Needs the real control plane (hack/control-plane.sh build).
                BENCH_CHILD_JVM_OPTS overrides the operator JVM's flags (default: the image's, MaxRAM=512m)""");
          return;
        }
        default -> throw new IllegalArgumentException("unknown flag " + a + " (see --help)");
      }
    }
    new SourceSecretMemory.Run(count, sizeKb * 1000, logDir).run();
  }

  static final class Run {
    final int count;
    final int size;
    final Path logDir;
    final Benchmark.Options o = Benchmark.Options.parse(new String[] {"--server=real", "--namespaces=0"});
    final List<String> rows = new ArrayList<>();

    Run(int count, int size, Path logDir) {
      this.count = count;
      this.size = size;
      this.logDir = logDir;
      o.logDir = logDir;
    }

    void log(String fmt, Object... args) {
      System.err.printf("[bench %s] %s%n", LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")),
          String.format(fmt, args));
    }

    void run() throws Exception {
      log("operator JVM flags: %s", o.childJvm);
      try (BenchServer.Real api = BenchServer.Real.up(logDir.resolve("cp-sources"), s -> log("%s", s))) {
        KubernetesClient c = api.client();
        for (String ns : List.of(OperatorHarness.OPERATOR_NS, OperatorHarness.PLATFORM_NS, TENANT)) {
          c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        long t0 = System.nanoTime();
        each(i -> c.secrets().inNamespace(TENANT).resource(source(i)).create());
        each(i -> c.resource(credential(i)).create());
        log("%d credentials and their %d small sources created in %d s", count, count, secondsSince(t0));
        measure(api, "small: " + count + " credentials, sources of ~60 bytes");

        t0 = System.nanoTime();
        each(i -> c.secrets().inNamespace(TENANT).resource(blob("unrelated-" + i, i)).create());
        log("%d unreferenced Secrets of %d KB created in %d s", count, size / 1000, secondsSince(t0));
        measure(api, "unreferenced: the same + " + count + " Secrets of " + size / 1000 + " KB nobody reads");
        each(i -> c.secrets().inNamespace(TENANT).withName("unrelated-" + i).delete());

        t0 = System.nanoTime();
        each(i -> c.secrets().inNamespace(TENANT).withName("src-" + i)
            .edit(s -> new SecretBuilder(s).addToData("padding", padding(i)).build()));
        log("%d sources grown by %d KB each in %d s", count, size / 1000, secondsSince(t0));
        measure(api, "referenced: " + count + " sources of " + size / 1000 + " KB each (username, password, padding)");
      }
      System.out.println();
      System.out.println("operator JVM: " + o.childJvm);
      System.out.println("| phase | VmRSS after GC.run | heap in use after GC.run | VmHWM |");
      System.out.println("|---|---|---|---|");
      rows.forEach(System.out::println);
    }

    /** A fresh operator until every credential's Secret exists and it is quiet; then GC.run, VmRSS, heap. */
    void measure(BenchServer.Real api, String phase) throws Exception {
      String name = phase.substring(0, phase.indexOf(':'));
      long t0 = System.nanoTime();
      try (Benchmark.Child op = new Benchmark.Child(o, "operator", api, logDir.resolve("source-memory-" + name + ".log"))) {
        try {
          op.expect("READY", 300);
          awaitManagedSecrets(api.client(), op);
          op.ask("QUIET 1000", "QUIET");
          long synced = secondsSince(t0);
          gc(op.process.pid());
          long[] rss = op.rss();
          if ("1".equals(System.getenv("BENCH_HISTOGRAM"))) {
            jcmd(op.process.pid(), logDir.resolve("source-memory-" + name + ".histogram"), "GC.class_histogram");
          }
          String mem = op.ask("MEM", "MEM");
          long heapUsed = Long.parseLong(mem.replaceAll(".*heapUsed=(\\d+).*", "$1"));
          log("%s: synced in %d s; after GC.run VmRSS %d MiB, heap in use %d MiB, VmHWM %d MiB", name, synced,
              rss[1] >> 20, heapUsed >> 20, rss[0] >> 20);
          rows.add("| " + phase + " | " + (rss[1] >> 20) + " MiB | " + (heapUsed >> 20) + " MiB | " + (rss[0] >> 20) + " MiB |");
        } catch (IllegalStateException e) {
          // The child exited (ExitOnOutOfMemoryError) or never synced: that is the figure.
          String why = e.getMessage() + (oom(logDir.resolve("source-memory-" + name + ".log")) ? ": OutOfMemoryError" : "");
          log("%s: %s", name, why);
          rows.add("| " + phase + " | " + why + " | | |");
        }
      }
    }

    static boolean oom(Path log) throws IOException {
      return Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains("OutOfMemoryError");
    }

    /** Until the tenant namespace holds the {@code count} managed Secrets (the operator's own work done). */
    void awaitManagedSecrets(KubernetesClient c, Benchmark.Child op) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
      int have = 0;
      while (System.nanoTime() < deadline) {
        if (!op.process.isAlive()) {
          throw new IllegalStateException("child exited with " + op.process.exitValue());
        }
        have = c.secrets().inNamespace(TENANT).withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).list().getItems().size();
        if (have >= count) {
          return;
        }
        Thread.sleep(1000);
      }
      throw new IllegalStateException("only " + have + " of " + count + " managed Secrets after 20 min");
    }

    /** {@code jcmd <pid> GC.run}: a full collection in the operator's JVM, as an operator would run it in the pod. */
    static void gc(long pid) throws IOException, InterruptedException {
      jcmd(pid, null, "GC.run");
    }

    /** Runs {@code jcmd <pid> <command>}, its output to {@code out} (null: discarded). */
    static void jcmd(long pid, Path out, String command) throws IOException, InterruptedException {
      Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      Process p = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", String.valueOf(pid), command)
          .redirectErrorStream(true)
          .redirectOutput(out == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(out.toFile())).start();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("jcmd " + pid + " " + command + " failed");
      }
    }

    /** Runs {@code task} for 0..count-1 on 8 threads (the requests are latency-bound); keeps no results (500 MB). */
    void each(IntConsumer task) throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          int n = i;
          fs.add(pool.submit(() -> task.accept(n)));
        }
        for (Future<?> f : fs) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
    }

    /** Source {@code src-i}: username and password. */
    Secret source(int i) {
      Map<String, String> data = new LinkedHashMap<>();
      data.put("username", b64("robot-" + i));
      data.put("password", b64("bench-password-" + i));
      return new SecretBuilder().withNewMetadata().withName("src-" + i).withNamespace(TENANT).endMetadata()
          .withData(data).build();
    }

    Secret blob(String name, int i) {
      return new SecretBuilder().withNewMetadata().withName(name).withNamespace(TENANT).endMetadata()
          .withData(Map.of("blob", padding(i))).build();
    }

    /** {@code size} random bytes, base64-encoded (as a Secret's data holds them). */
    String padding(int i) {
      byte[] bytes = new byte[size];
      new Random(i).nextBytes(bytes);
      return Base64.getEncoder().encodeToString(bytes);
    }

    /** Static credential {@code rc-i} reading {@code src-i}, writing {@code pull-i} in its own namespace, no ServiceAccount. */
    static RegistryCredential credential(int i) {
      RegistryCredential rc = Fixtures.targeting(Fixtures.staticCredential(TENANT, "rc-" + i, REGISTRY, "src-" + i), List.of(TENANT));
      rc.getSpec().setSecretName("pull-" + i);
      rc.getSpec().setVerify(false);
      ServiceAccountsSpec none = new ServiceAccountsSpec();
      none.setSelector(new LabelSelectorSpec(Map.of("bench.pullsecrets.io/none", "none"), null));
      rc.getSpec().setServiceAccounts(none);
      return rc;
    }

    static String b64(String s) {
      return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static long secondsSince(long t0) {
      return (System.nanoTime() - t0) / 1_000_000_000L;
    }
  }
}
