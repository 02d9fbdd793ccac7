package io.pullsecrets.operator.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real control plane of the test JVM: etcd, kube-apiserver and kube-controller-manager started
 * once by {@code hack/control-plane.sh up} and stopped when the JVM exits. Tests that need it call
 * {@link #get()}: where the binaries are not built they are skipped (one line on the console says
 * why and how to build them), unless {@code PULLSECRET_REQUIRE_CONTROL_PLANE=true} (CI), where
 * they fail.
 */
public final class ControlPlane {
  public static final Path SCRIPT = Path.of("hack/control-plane.sh").toAbsolutePath();
  public static final Path CRD = Path.of("crds/registrycredentials.pullsecrets.io-v1.yml");
  public static final Path CLUSTER_CRD = Path.of("crds/clusterregistrycredentials.pullsecrets.io-v1.yml");
  /** The directory of the JVM's control plane: data, certificates, logs, audit log, kubeconfig. */
  static final Path DIR = Path.of("target/control-plane").toAbsolutePath();

  private static ControlPlane shared;
  private static String unavailable;

  public final Path dir;
  public final Path kubeconfig;
  public final Path auditLog;
  public final String server;
  private final Config admin;

  private ControlPlane(Path dir) throws IOException {
    this.dir = dir;
    this.kubeconfig = dir.resolve("kubeconfig");
    this.auditLog = dir.resolve("audit.log");
    this.server = Files.readString(dir.resolve("server")).trim();
    this.admin = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
  }

  /**
   * A control plane started elsewhere by {@code hack/control-plane.sh up dir} (the benchmark starts
   * its own, one per phase), with the RegistryCredential CRD installed.
   */
  public static ControlPlane attach(Path dir) throws IOException {
    ControlPlane cp = new ControlPlane(dir.toAbsolutePath());
    cp.installCrd();
    return cp;
  }

  /** Why the control plane cannot run here (its binaries are not built), or null; prints nothing. */
  public static String buildStatus() {
    return Availability.scriptStatus(SCRIPT);
  }

  private static final Availability AVAILABILITY = new Availability("control-plane", "real-server tests",
      "PULLSECRET_REQUIRE_CONTROL_PLANE", () -> Availability.scriptStatus(SCRIPT));

  /** Why the control plane cannot run here, or null; prints that reason on the console once. */
  public static String unavailableReason() {
    return AVAILABILITY.reason();
  }

  /** The running control plane; skips (or, when required, fails) the calling test if it cannot run. */
  public static synchronized ControlPlane get() {
    if (shared != null) {
      return shared;
    }
    if (unavailable == null) {
      unavailable = unavailableReason();
      if (unavailable == null) {
        try {
          shared = start();
          return shared;
        } catch (Exception e) {
          unavailable = AVAILABILITY.didNotStart("control plane", e);
        }
      }
    }
    throw AVAILABILITY.skipOrFail(unavailable);
  }

  /** Whether {@code client} talks to the real control plane. */
  public static synchronized boolean serves(KubernetesClient client) {
    return shared != null && client.getConfiguration().getMasterUrl().startsWith(shared.server);
  }

  private static ControlPlane start() throws IOException, InterruptedException {
    // A fresh directory per JVM: a leftover from a killed run is stopped and removed first.
    if (Files.exists(DIR)) {
      if (Files.exists(DIR.resolve("node"))) {
        // A node left by a killed run has mounts under DIR and changes on the host: undone first.
        run(List.of("bash", Node.SCRIPT.toString(), "down", DIR.toString()), Duration.ofSeconds(60));
      }
      run(List.of("bash", SCRIPT.toString(), "down", DIR.toString()), Duration.ofSeconds(30));
      deleteTree(DIR);
    }
    Files.createDirectories(DIR);
    run(List.of("bash", SCRIPT.toString(), "up", DIR.toString()), Duration.ofMinutes(3));
    ControlPlane cp = new ControlPlane(DIR);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        run(List.of("bash", SCRIPT.toString(), "down", DIR.toString()), Duration.ofSeconds(30));
      } catch (Exception e) {
        // The JVM is exiting; the processes die with the machine's session at worst.
      }
    }, "control-plane-down"));
    cp.installCrd();
    return cp;
  }

  private static void run(List<String> command, Duration timeout) throws IOException, InterruptedException {
    Path log = DIR.resolve("script.log");
    Files.createDirectories(DIR);
    Availability.runScript(command, log, null, timeout);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * A copy of the operator's configuration: a client certificate of its own that names the chart's
   * ServiceAccount (user {@code system:serviceaccount:pullsecret-system:pullsecret-operator}, its
   * groups), so the server applies that account's RBAC and the audit log tells the operator's
   * requests, reads included, from the tests' (which act as admin).
   */
  public Config operatorConfig() {
    Path file = dir.resolve("operator.kubeconfig");
    try {
      return Config.fromKubeconfig(null, Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new cluster-admin client. */
  public KubernetesClient adminClient() {
    return new KubernetesClientBuilder().withConfig(adminConfig()).build();
  }

  /** A copy of the cluster-admin configuration, to adapt. */
  public Config adminConfig() {
    try {
      return Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Creates the CRDs from {@code crds/} and waits until they are Established. */
  private void installCrd() throws IOException {
    installCrd(CRD);
    installCrd(CLUSTER_CRD);
  }

  /** Applies the CRD in {@code file} as the file says and waits until it is Established. */
  public void installCrd(Path file) throws IOException {
    try (KubernetesClient c = adminClient(); InputStream in = Files.newInputStream(file)) {
      // Applied as the file says, field for field (a typed round trip would change some values,
      // and Helm's own server-side apply of the same file would then conflict with ours).
      io.fabric8.kubernetes.api.model.GenericKubernetesResource raw =
          Serialization.unmarshal(in, io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
      c.resource(raw).fieldManager("pullsecret-tests").serverSideApply();
      CustomResourceDefinition crd = c.apiextensions().v1().customResourceDefinitions().withName(raw.getMetadata().getName()).get();
      c.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
          .waitUntilCondition(d -> d != null && d.getStatus() != null && d.getStatus().getConditions() != null
              && d.getStatus().getConditions().stream().anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True")),
              30, TimeUnit.SECONDS);
    }
  }

  /** Objects of the rendered manifests in {@code deploy/} of these kinds. */
  public static List<HasMetadata> deployObjects(KubernetesClient client, String... kinds) {
    try (InputStream in = Files.newInputStream(Path.of("deploy/pullsecret-operator.yaml"))) {
      List<HasMetadata> all = client.load(in).items();
      List<String> wanted = List.of(kinds);
      return all.stream().filter(o -> wanted.contains(o.getKind())).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
