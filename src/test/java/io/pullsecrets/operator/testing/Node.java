package io.pullsecrets.operator.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real node of the test JVM, beside its {@link ControlPlane}: kube-scheduler, containerd, the
 * kubelet, kube-proxy and a private registry (Debian's docker-registry with htpasswd), started
 * once by {@code hack/node.sh up} in the control plane's directory and stopped (the host left as
 * found) when the JVM exits. Pods created on the control plane run here, pulling their images
 * from that registry with the credentials the kubelet finds. Tests call {@link #get()}: where the
 * node cannot run they are skipped, unless {@code PULLSECRET_REQUIRE_NODE=true} (CI), where they
 * fail.
 */
public final class Node {
  public static final Path SCRIPT = Path.of("hack/node.sh").toAbsolutePath();
  public static final String NAME = "pullsecret-node";
  /** A pod's way from Pending to Running or to a pull failure here is 1-2 s; this is generous. */
  public static final Duration WAIT = Duration.ofSeconds(30);

  private static Node shared;
  private static String unavailable;
  private static final Availability AVAILABILITY = new Availability("node", "real-node tests", "PULLSECRET_REQUIRE_NODE", () -> Availability.scriptStatus(SCRIPT));

  public final ControlPlane controlPlane;
  /** The registry's host:port (127.0.0.1 and a free port), as image references name it. */
  public final String registry;
  private final Path htpasswd;

  private Node(ControlPlane controlPlane) throws IOException {
    this.controlPlane = controlPlane;
    this.registry = Files.readString(controlPlane.dir.resolve("registry/address")).trim();
    this.htpasswd = controlPlane.dir.resolve("registry/htpasswd");
  }

  static boolean required() {
    return AVAILABILITY.required();
  }

  /** Why the node cannot run here, or null; prints that reason on the console once. */
  public static String unavailableReason() {
    return AVAILABILITY.reason();
  }

  /** The running node (and control plane); skips (or, when required, fails) the calling test if it cannot run. */
  public static synchronized Node get() {
    if (shared != null) {
      shared.schedulable(true);
      return shared;
    }
    ControlPlane cp = ControlPlane.get();
    if (unavailable == null) {
      unavailable = unavailableReason();
      if (unavailable == null) {
        try {
          shared = start(cp);
          return shared;
        } catch (Exception e) {
          unavailable = AVAILABILITY.didNotStart("node", e);
        }
      }
    }
    throw AVAILABILITY.skipOrFail(unavailable);
  }

  /**
   * Called as a test class that does not use the node starts: the node takes no new pods (it is
   * cordoned), so that the pods other tests create stay Pending as they do on a control plane
   * alone, instead of loading the machine with sandboxes and image pulls.
   */
  public static synchronized void park() {
    if (shared != null) {
      shared.schedulable(false);
    }
  }

  /**
   * Takes the JVM's node down (when it is up) so that a test may start the machine's one node in
   * its own way ({@code hack/try.sh}); the next {@link #get()} starts it again.
   */
  public static synchronized void release() {
    if (shared == null) {
      return;
    }
    try {
      script(shared.controlPlane.dir, Duration.ofSeconds(60), "down", shared.controlPlane.dir.toString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
    shared = null;
  }

  private boolean unschedulable;

  private void schedulable(boolean yes) {
    if (unschedulable == !yes) {
      return;
    }
    try (KubernetesClient c = controlPlane.adminClient()) {
      // A merge patch of this one field: a read-modify-write (edit) carries the resourceVersion and
      // meets a 409 whenever the kubelet has just written the node's status.
      c.nodes().withName(NAME).patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"spec\":{\"unschedulable\":" + (yes ? "null" : "true") + "}}");
    }
    unschedulable = !yes;
  }

  private static Node start(ControlPlane cp) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    // Registered first: a node that fails half-way up is taken down too.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        script(cp.dir, Duration.ofSeconds(60), "down", cp.dir.toString());
      } catch (Exception e) {
        System.out.println("[node] hack/node.sh down failed: " + e.getMessage());
      }
    }, "node-down"));
    script(cp.dir, Duration.ofMinutes(15), "up", cp.dir.toString());
    System.out.printf("[node] up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    return new Node(cp);
  }

  private static String script(Path dir, Duration timeout, String... args) throws IOException, InterruptedException {
    Path log = dir.resolve("node-script.log");
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "node-out", ".txt");
    try {
      Availability.runScript(command, log, out, timeout);
      return Files.readString(out).trim();
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** Pushes the node's small runnable image as {@code name:tag}; returns its reference (registry/name:tag). */
  public String push(String nameAndTag) {
    try {
      return script(controlPlane.dir, Duration.ofSeconds(60), "push", controlPlane.dir.toString(), nameAndTag);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Replaces the registry's accounts (user to password): from the next request on, only these
   * authenticate (the registry re-reads its htpasswd file when it changes).
   */
  public void accounts(Map<String, String> passwords) {
    StringBuilder lines = new StringBuilder();
    try {
      for (var e : passwords.entrySet()) {
        SecretScan.register(e.getValue());
        // Cost 4, the lowest bcrypt allows: the registry checks it on every request.
        Process p = new ProcessBuilder("htpasswd", "-nbBC", "4", e.getKey(), e.getValue()).redirectErrorStream(true).start();
        String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
        if (p.waitFor() != 0) {
          throw new IllegalStateException("htpasswd failed: " + line);
        }
        lines.append(line).append('\n');
      }
      Path tmp = htpasswd.resolveSibling("htpasswd.tmp");
      Files.writeString(tmp, lines.toString());
      // The registry re-reads the file when its modification time differs from the one it read
      // last; two writes within the file system's timestamp granularity would look the same.
      if (Files.exists(htpasswd)) {
        FileTime previous = Files.getLastModifiedTime(htpasswd);
        if (Files.getLastModifiedTime(tmp).compareTo(previous) <= 0) {
          Files.setLastModifiedTime(tmp, FileTime.from(previous.toInstant().plusMillis(1)));
        }
      }
      Files.move(tmp, htpasswd, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A pod running {@code image} (with its default command: it waits until stopped), with no pull
   * secret of its own: the kubelet gets those from the ServiceAccount, as the operator arranged.
   */
  public static Pod pod(String ns, String name, String image) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .withNewSpec().withTerminationGracePeriodSeconds(0L).withAutomountServiceAccountToken(false)
        .addNewContainer().withName("app").withImage(image).endContainer().endSpec().build();
  }

  /** Waits until the pod runs; fails with its state and events when it does not. */
  public static Pod awaitRunning(KubernetesClient client, Pod pod) {
    return awaitPod(client, pod, "Running", p -> p != null && "Running".equals(p.getStatus().getPhase()) ? p : null);
  }

  /**
   * Waits until the kubelet reports that it could not pull the pod's image (an event
   * {@code Failed} "Failed to pull image ..."); returns that event's message.
   */
  public static String awaitPullFailure(KubernetesClient client, Pod pod) {
    return awaitPod(client, pod, "failing to pull", ignored -> events(client, pod.getMetadata().getNamespace(),
        pod.getMetadata().getName()).stream()
        .filter(e -> "Failed".equals(e.getReason()) && e.getMessage() != null && e.getMessage().startsWith("Failed to pull image"))
        .map(Event::getMessage).findFirst().orElse(null));
  }

  /**
   * Polls the pod (null while it does not exist) until {@code probe} answers; fails with the pod's
   * state and events when it never does.
   */
  private static <T> T awaitPod(KubernetesClient client, Pod pod, String what, java.util.function.Function<Pod, T> probe) {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    java.util.concurrent.atomic.AtomicReference<T> found = new java.util.concurrent.atomic.AtomicReference<>();
    try {
      await("pod " + ns + "/" + name + " " + what).atMost(WAIT).pollInterval(Duration.ofMillis(100))
          .until(() -> found.updateAndGet(previous -> probe.apply(client.pods().inNamespace(ns).withName(name).get())) != null);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("pod " + ns + "/" + name + " is not " + what + ": "
          + describe(client, client.pods().inNamespace(ns).withName(name).get()), e);
    }
    return found.get();
  }

  /** The waiting reason of the pod's container (ErrImagePull, ImagePullBackOff, ...), or "". */
  public static String waitingReason(Pod pod) {
    if (pod == null || pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return "";
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(s -> s.getState() != null && s.getState().getWaiting() != null)
        .map(s -> s.getState().getWaiting().getReason()).findFirst().orElse("");
  }

  /**
   * Deletes every pod of the test's namespaces at once (grace period 0, as {@code kubectl delete
   * --force} does): the namespace controller then removes the namespaces without waiting for the
   * kubelet, and the kubelet stops the containers on its own.
   */
  public static void deletePods(KubernetesClient client) {
    for (var ns : client.namespaces().list().getItems()) {
      String name = ns.getMetadata().getName();
      if (!RealApiServer.SYSTEM_NAMESPACES.contains(name)) {
        client.pods().inNamespace(name).withGracePeriod(0).delete();
      }
    }
  }

  public static List<Event> events(KubernetesClient client, String ns, String pod) {
    return client.v1().events().inNamespace(ns).withField("involvedObject.name", pod).list().getItems();
  }

  /** Events of the kubelet about pulling this pod's image ("Pulling", "Pulled", "Failed", "BackOff"), in order. */
  public static List<String> pullEvents(KubernetesClient client, String ns, String pod) {
    return events(client, ns, pod).stream()
        .filter(e -> List.of("Pulling", "Pulled", "Failed", "BackOff").contains(e.getReason()))
        .map(e -> e.getReason() + ": " + e.getMessage()).toList();
  }

  private static String describe(KubernetesClient client, Pod pod) {
    if (pod == null) {
      return "no such pod";
    }
    return "phase " + pod.getStatus().getPhase() + ", waiting " + waitingReason(pod) + ", imagePullSecrets "
        + pod.getSpec().getImagePullSecrets() + ", events " + events(client, pod.getMetadata().getNamespace(),
        pod.getMetadata().getName()).stream().map(e -> e.getReason() + ": " + e.getMessage()).toList();
  }
}
