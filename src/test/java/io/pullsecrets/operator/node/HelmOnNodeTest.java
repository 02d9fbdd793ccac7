package io.pullsecrets.operator.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.pullsecrets.operator.Main;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.Cli;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.Node;
import io.pullsecrets.operator.testing.OnRealNode;
import io.pullsecrets.operator.testing.OperatorImage;
import io.pullsecrets.operator.testing.RealApiServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator as its users run it: its image (Jib, {@code hack/image.sh}) pulled by the real
 * kubelet from the node's private registry, installed by {@code helm install} of the chart with
 * its default values but for the image and its pull secret. The pod runs under the chart's
 * restricted securityContext, configures itself in-cluster (the {@code kubernetes} Service through
 * kube-proxy), is called by the API server through the chart's webhook Service with its
 * self-managed certificate, and serves metrics through the metrics Service.
 */
@OnRealNode
class HelmOnNodeTest {
  @RegisterExtension final Closer closer = new Closer();
  static final String NS = "pullsecret-system";
  // Not "pullsecret-operator": RealApiServer keeps a ClusterRole of that name for the operator run
  // on the host, which Helm would refuse to take over.
  static final String RELEASE = "pso";
  /** The chart's full name for that release, the prefix of its objects. */
  static final String FULL = "pso-pullsecret-operator";
  static final Duration WAIT = Duration.ofSeconds(120);

  Node node;
  RealApiServer api;
  KubernetesClient client;
  Path admin;
  String image;

  @BeforeEach
  void setUp() {
    node = Node.get();
    api = closer.add(new RealApiServer());
    client = api.client();
    closer.add(() -> {
      Cli.helm(admin, "uninstall", RELEASE, "-n", NS, "--wait=false");
      Node.deletePods(client);
    });
    admin = api.controlPlane.kubeconfig;
    image = OperatorImage.get(node, "dev");
    // The namespace as deploy/ renders it: the restricted Pod Security Standard enforced.
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS)
        .addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build()).create();
    // The registry's accounts: one the kubelet pulls the operator's image with, one for workloads.
    node.accounts(Map.of("operator-pull", "operator-pull-password", "robot", "robot-password"));
    client.resource(new SecretBuilder().withNewMetadata().withName("node-registry").withNamespace(NS).endMetadata()
        .withType("kubernetes.io/dockerconfigjson")
        .addToData(".dockerconfigjson", Fixtures.b64("{\"auths\":{\"" + node.registry + "\":{\"auth\":\""
            + Fixtures.b64("operator-pull:operator-pull-password") + "\"}}}")).build()).create();
  }

  /** helm install with the defaults, but for the image (repository and tag) and its pull secret. */
  void install(String... more) {
    List<String> args = new ArrayList<>(List.of("install", RELEASE, "helm/pullsecret-operator", "-n", NS, "--skip-crds",
        "--set", "image.repository=" + image.substring(0, image.lastIndexOf(':')),
        "--set", "image.tag=" + image.substring(image.lastIndexOf(':') + 1),
        "--set", "imagePullSecrets[0].name=node-registry"));
    args.addAll(List.of(more));
    Cli.helm(admin, args.toArray(String[]::new)).ok();
  }

  List<Pod> operatorPods() {
    return client.pods().inNamespace(NS).withLabel("app.kubernetes.io/name", "pullsecret-operator").list().getItems()
        .stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  static boolean ready(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  String describe() {
    StringBuilder b = new StringBuilder();
    for (Pod p : client.pods().inNamespace(NS).list().getItems()) {
      String name = p.getMetadata().getName();
      b.append("\npod ").append(name).append(" phase ").append(p.getStatus().getPhase()).append(" waiting ")
          .append(Node.waitingReason(p)).append(" events ").append(Node.events(client, NS, name).stream()
              .map(e -> e.getReason() + ": " + e.getMessage()).toList());
      String log;
      try {
        log = podLog(p);
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        log = "(no log: " + e.getMessage() + ")";
      }
      b.append("\nlog:\n").append(log.substring(Math.max(0, log.length() - 4000)));
    }
    return b.toString();
  }

  /** Waits until {@code count} operator pods are Ready; returns them. */
  List<Pod> awaitReadyPods(int count) {
    List<Pod>[] last = new List[1];
    try {
      await("operator pods Ready").atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
        last[0] = operatorPods();
        return last[0].size() == count && last[0].stream().allMatch(HelmOnNodeTest::ready);
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("operator pods not Ready:" + describe(), e);
    }
    return last[0];
  }

  @Test
  void theChartsPodRunsOnTheNodeAndDoesTheMainJob() throws Exception {
    Fixtures.namespace(client, "team-a", Map.of());
    Fixtures.serviceAccount(client, NS, "scraper", Map.of());
    install("--set", "metrics.readerSubjects[0].kind=ServiceAccount", "--set", "metrics.readerSubjects[0].name=scraper",
        "--set", "metrics.readerSubjects[0].namespace=" + NS);

    Pod pod = awaitReadyPods(1).get(0);
    var container = pod.getSpec().getContainers().get(0);
    // The chart's securityContext, as the kubelet ran it (the namespace enforces "restricted").
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(container.getImage()).isEqualTo(image);
    var status = pod.getStatus().getContainerStatuses().get(0);
    assertThat(status.getRestartCount()).as("restarts;" + describe()).isZero();
    Instant started = Instant.parse(status.getState().getRunning().getStartedAt());
    Instant readyAt = Instant.parse(pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()))
        .map(PodCondition::getLastTransitionTime).findFirst().orElseThrow());
    System.out.printf("[helm-node] operator container started %s, Ready %s: %d s to Ready (1 s resolution)%n",
        started, readyAt, Duration.between(started, readyAt).toSeconds());

    // The main job: a credential in the release namespace (trusted by default) targeting team-a.
    Fixtures.loginSecret(client, NS, "robot", "robot", "robot-password");
    RegistryCredential rc = Fixtures.targeting(Fixtures.staticCredential(NS, "local", node.registry, "robot"), List.of("team-a"));
    rc.getSpec().setSecretName("local-pull");
    client.resource(rc).create();
    awaitCredentialReady("local");
    await().atMost(WAIT).until(() -> client.serviceAccounts().inNamespace("team-a").withName("default").get()
        .getImagePullSecrets().stream().anyMatch(r -> r.getName().equals("local-pull")));
    String app = node.push("helm/app:v1");
    Node.awaitRunning(client, client.resource(Node.pod("team-a", "app", app)).create());

    // The webhook: registered by Service (no URL), its caBundle filled by the operator, and called
    // by the API server for the pod above (the counter moves only for requests that reached the pod).
    MutatingWebhook hook = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(FULL).get()
        .getWebhooks().get(0);
    assertThat(hook.getClientConfig().getUrl()).isNull();
    assertThat(hook.getClientConfig().getService().getName()).isEqualTo(FULL + "-webhook");
    assertThat(hook.getClientConfig().getCaBundle()).isNotEmpty();

    // Metrics through the metrics Service (its ClusterIP, through kube-proxy), verified with the
    // CA of the self-managed certificate, with the token of a ServiceAccount bound by the chart.
    // The pod above may have been admitted while the Service's endpoints were still being
    // programmed (failurePolicy Ignore lets it through uncounted): each poll asks the API server
    // to admit one more pod, a dry run, which calls the webhook all the same.
    String[] metrics = new String[1];
    int[] probes = new int[1];
    await("webhook requests counted in /metrics").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> {
          client.resource(Node.pod("team-a", "webhook-probe-" + probes[0]++, app)).dryRun().create();
          metrics[0] = scrape();
          assertThat(counter(metrics[0], "pullsecret_webhook_admission_requests_total", "unchanged")
              + counter(metrics[0], "pullsecret_webhook_admission_requests_total", "mutated")).isPositive();
        });
    assertThat(metrics[0]).contains("pullsecret_managed_secrets");
    assertThat(podLog(pod)).contains("context=in-cluster").doesNotContain("Forbidden").doesNotContain("robot-password");
  }

  static final int SCALE_NAMESPACES = 1_000;
  static final int SCALE_CREDENTIALS = 5;
  static final String SCALE_LABEL = "pullsecrets.io/sizing";

  /**
   * The chart's default memory limit (512Mi, enforced by the container's cgroup: going over it is
   * an OOM kill) holds 1,000 target namespaces × 5 static credentials: 5,000 Secrets and 5,000
   * ServiceAccount entries. The container never restarts; its RSS is read on the node.
   */
  @Test
  void theDefaultMemoryLimitHoldsAThousandNamespacesTimesFiveCredentials() throws Exception {
    install();
    Pod pod = awaitReadyPods(1).get(0);
    ContainerMemory idle = ContainerMemory.of(pod);
    assertThat(idle.limitBytes()).as("the container's cgroup limit (the chart's default)").isEqualTo(512 * ContainerMemory.MIB);
    System.out.printf("[sizing] nothing managed: %s%n", idle);

    Instant t0 = Instant.now();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < SCALE_NAMESPACES; i++) {
      names.add(String.format("sizing-%04d", i));
    }
    closer.add(() -> deleteNamespaces(names));
    var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<?>> created = new ArrayList<>();
      for (String ns : names) {
        created.add(pool.submit(() -> client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
            .addToLabels(SCALE_LABEL, "target").endMetadata().build()).create()));
      }
      for (var f : created) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    Instant t1 = Instant.now();
    List<String> credentials = new ArrayList<>();
    for (int i = 0; i < SCALE_CREDENTIALS; i++) {
      String name = "sizing-" + i;
      Fixtures.loginSecret(client, NS, name, "robot-" + i, "sizing-password-" + i);
      client.resource(io.pullsecrets.operator.testing.CredentialBuilder.staticLogin(NS, name, node.registry, name)
          .secretName(name + "-pull").selecting(Map.of(SCALE_LABEL, "target")).build()).create();
      credentials.add(name);
    }
    Duration propagation = Duration.ofMinutes(15);
    try {
      await("5 credentials Ready, each synced to 1,000 namespaces").atMost(propagation).pollInterval(Duration.ofSeconds(2))
          .until(() -> {
            assertRunsSinceStart(pod);
            return credentials.stream().allMatch(this::readyInAllNamespaces);
          });
      await("5,000 Secrets and 5 entries on each of 1,000 default ServiceAccounts").atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofSeconds(2)).until(() -> managedSecrets() == SCALE_NAMESPACES * SCALE_CREDENTIALS
              && fullyPatchedAccounts() == SCALE_NAMESPACES);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("not propagated: " + credentials.stream().map(n -> n + " " + client
          .resources(RegistryCredential.class).inNamespace(NS).withName(n).get().getStatus().getNamespaces()).toList()
          + "; managed Secrets " + managedSecrets() + "; fully patched ServiceAccounts " + fullyPatchedAccounts()
          + describe(), e);
    }
    Instant t2 = Instant.now();

    // The same container all along: never restarted, never OOM-killed.
    Pod now = assertRunsSinceStart(pod);
    ContainerMemory loaded = ContainerMemory.of(now);
    assertThat(loaded.pid()).as("the same java process").isEqualTo(idle.pid());
    assertThat(loaded.peakRssBytes()).isLessThan(loaded.limitBytes());
    System.out.printf("[sizing] %d namespaces created in %.1f s; %d credentials × %d namespaces propagated (Ready, %d Secrets,"
            + " %d ServiceAccount entries) %.1f s later%n", SCALE_NAMESPACES, Duration.between(t0, t1).toMillis() / 1e3,
        SCALE_CREDENTIALS, SCALE_NAMESPACES, SCALE_NAMESPACES * SCALE_CREDENTIALS, SCALE_NAMESPACES * SCALE_CREDENTIALS,
        Duration.between(t1, t2).toMillis() / 1e3);
    System.out.printf("[sizing] %d × %d managed, restartCount 0: %s%n", SCALE_CREDENTIALS, SCALE_NAMESPACES, loaded);
  }

  /**
   * The operator pod's container is the one that started first: no restart, no termination (an
   * OOM kill fails the test at once, not when the wait for propagation times out). Returns the pod.
   */
  Pod assertRunsSinceStart(Pod started) {
    Pod now = client.pods().inNamespace(NS).withName(started.getMetadata().getName()).get();
    var status = now.getStatus().getContainerStatuses().get(0);
    assertThat(status.getLastState().getTerminated()).as("the container's last termination;" + describe()).isNull();
    assertThat(status.getRestartCount()).as("restarts;" + describe()).isZero();
    assertThat(status.getContainerID()).isEqualTo(started.getStatus().getContainerStatuses().get(0).getContainerID());
    return now;
  }

  boolean readyInAllNamespaces(String name) {
    RegistryCredential rc = client.resources(RegistryCredential.class).inNamespace(NS).withName(name).get();
    var st = rc == null ? null : rc.getStatus();
    return st != null && st.getNamespaces() != null && st.getNamespaces().getSynced() == SCALE_NAMESPACES
        && st.getNamespaces().getTargeted() == SCALE_NAMESPACES && st.getConditions() != null
        && st.getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The operator's Secrets in the sizing namespaces. */
  long managedSecrets() {
    return client.secrets().inAnyNamespace().withLabel(io.pullsecrets.operator.Labels.MANAGED_BY,
        io.pullsecrets.operator.Labels.MANAGED_BY_VALUE).list().getItems().stream()
        .filter(x -> x.getMetadata().getNamespace().startsWith("sizing-")).count();
  }

  /** Default ServiceAccounts of the sizing namespaces that list all 5 credentials' Secrets. */
  long fullyPatchedAccounts() {
    return client.serviceAccounts().inAnyNamespace().withField("metadata.name", "default").list().getItems().stream()
        .filter(sa -> sa.getMetadata().getNamespace().startsWith("sizing-") && sa.getImagePullSecrets() != null
            && sa.getImagePullSecrets().stream().filter(r -> r.getName().matches("sizing-[0-9]+-pull")).count() == SCALE_CREDENTIALS)
        .count();
  }

  /** Deletes the namespaces (in parallel) and waits until they are gone, so the next test does not wait for them. */
  void deleteNamespaces(List<String> names) throws Exception {
    var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<?>> deleted = new ArrayList<>();
      for (String ns : names) {
        deleted.add(pool.submit(() -> client.namespaces().withName(ns).delete()));
      }
      for (var f : deleted) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    await("the sizing namespaces gone").atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(2)).until(() ->
        client.namespaces().withLabel(SCALE_LABEL).list().getItems().isEmpty());
  }

  /**
   * One release with {@code replicaCount: 2}, through its life: a failover (the leader pod
   * deleted), an upgrade to a new image tag, and the documented uninstall. One install serves
   * the three steps, each of which starts from what the previous one left.
   */
  @Test
  void twoReplicasFailOverRollOnUpgradeWithoutLosingAnEntryAndUninstallAsDocumented() throws Exception {
    Fixtures.namespace(client, "team-a", Map.of());
    Fixtures.loginSecret(client, NS, "robot", "robot", "robot-password");
    RegistryCredential rc = Fixtures.targeting(Fixtures.staticCredential(NS, "local", node.registry, "robot"), List.of("team-a"));
    rc.getSpec().setSecretName("local-pull");
    client.resource(rc).create();
    install("--set", "replicaCount=2");
    List<Pod> pods = awaitReadyPods(2);
    awaitCredentialReady("local");
    await("the pull Secret and the ServiceAccount entry in team-a").atMost(WAIT).until(() ->
        Fixtures.dockerConfigJson(client, "team-a", "local-pull").contains(Fixtures.b64("robot:robot-password"))
            && hasEntry(client.serviceAccounts().inNamespace("team-a").withName("default").get()));

    try (LeaseHistory leases = new LeaseHistory()) {
      failover(pods, leases);
      upgrade(leases);
    }
    uninstallAsDocumented();
  }

  /**
   * The leader pod deleted (the kubelet sends SIGTERM): the leader stops reconciling and releases
   * the Lease, and the other replica takes it at its next retry, well before the Lease would
   * expire. Then the new leader reconciles a change.
   */
  void failover(List<Pod> pods, LeaseHistory leases) {
    String[] holder = new String[1];
    await("a leader").atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
      holder[0] = holder();
      return holder[0] != null && !holder[0].isEmpty();
    });
    String leader = holder[0];
    assertThat(pods).extracting(p -> p.getMetadata().getName()).as("the Lease's holder is a pod's name").contains(leader);
    String other = pods.stream().map(p -> p.getMetadata().getName()).filter(n -> !n.equals(leader)).findFirst().orElseThrow();

    Instant deleted = Instant.now();
    client.pods().inNamespace(NS).withName(leader).delete();
    // Another replica: the standby, which waits for the Lease with its caches synced, or (should
    // the standby be slower) the pod the Deployment starts in the deleted one's place.
    String[] next = new String[1];
    try {
      await("another replica holds the Lease").atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
        next[0] = holder();
        return next[0] != null && !next[0].isEmpty() && !next[0].equals(leader);
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("leader " + leader + " deleted; standby " + other + "; Lease history " + leases
          + describe(), e);
    }
    Duration gap = Duration.between(deleted, Instant.now());
    Instant released = leases.firstEmptyAfter(deleted);
    System.out.printf("[helm-node] leader %s deleted; Lease released %s later; %s (%s) holds it %.1f s after the deletion%n",
        leader, released == null ? "(not seen)" : String.format("%.1f s", Duration.between(deleted, released).toMillis() / 1e3),
        next[0], next[0].equals(other) ? "the standby" : "the replacement", gap.toMillis() / 1e3);
    // Released on SIGTERM, not left to expire: the holder emptied, then taken well within the
    // Lease's duration.
    assertThat(released).as("the leader released the Lease; history %s", leases).isNotNull();
    assertThat(gap).isLessThan(Main.LeaseTimings.DEFAULT.leaseDuration());

    // The new leader reconciles: a password change reaches the target namespace.
    node.accounts(Map.of("operator-pull", "operator-pull-password", "robot", "robot-password-2"));
    Instant changed = Instant.now();
    Fixtures.loginSecret(client, NS, "robot", "robot", "robot-password-2");
    await("the new leader applies a change").atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() ->
        Fixtures.dockerConfigJson(client, "team-a", "local-pull").contains(Fixtures.b64("robot:robot-password-2")));
    System.out.printf("[helm-node] the new leader applied a source change %.1f s after it (%.1f s after the deletion)%n",
        Duration.between(changed, Instant.now()).toMillis() / 1e3, Duration.between(deleted, Instant.now()).toMillis() / 1e3);
  }

  /**
   * {@code helm upgrade} to another tag of the image: the Deployment rolls both pods (the Lease
   * handed over as each leader stops) while the pull Secret and the ServiceAccount entry in the
   * target namespace stay, never deleted or dropped, not even for a moment.
   */
  void upgrade(LeaseHistory leases) throws Exception {
    String newTag = "rolled";
    String newImage = retag(image, newTag);
    List<String> lost = java.util.Collections.synchronizedList(new ArrayList<>());
    Instant t0 = Instant.now();
    try (var secrets = client.secrets().inNamespace("team-a").withName("local-pull").watch(new Watcher<Secret>() {
          @Override
          public void eventReceived(Action action, Secret s) {
            if (action == Action.DELETED) {
              lost.add("Secret team-a/local-pull deleted");
            }
          }

          @Override
          public void onClose(WatcherException e) {}
        });
        var accounts = client.serviceAccounts().inNamespace("team-a").withName("default").watch(new Watcher<ServiceAccount>() {
          @Override
          public void eventReceived(Action action, ServiceAccount sa) {
            if (action == Action.DELETED || !hasEntry(sa)) {
              lost.add("ServiceAccount team-a/default without local-pull (" + action + ")");
            }
          }

          @Override
          public void onClose(WatcherException e) {}
        })) {
      Cli.helm(admin, "upgrade", RELEASE, "helm/pullsecret-operator", "-n", NS, "--reuse-values",
          "--set", "image.tag=" + newTag).ok();
      try {
        await("both pods rolled to " + newImage).atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
          List<Pod> all = client.pods().inNamespace(NS).withLabel("app.kubernetes.io/name", "pullsecret-operator").list().getItems();
          return all.size() == 2 && all.stream().allMatch(p -> ready(p)
              && newImage.equals(p.getSpec().getContainers().get(0).getImage()));
        });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("not rolled:" + describe(), e);
      }
      Duration rolled = Duration.between(t0, Instant.now());
      List<String> names = operatorPods().stream().map(p -> p.getMetadata().getName()).toList();
      await("a new pod leads").atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> names.contains(holder()));
      System.out.printf("[helm-node] helm upgrade to %s: both pods rolled and Ready %.1f s after the upgrade; Lease holders since: %s%n",
          newTag, rolled.toMillis() / 1e3, leases.holdersAfter(t0));
      // After the roll, the Secret and the entry are there (and were all along).
      assertThat(Fixtures.dockerConfigJson(client, "team-a", "local-pull")).contains(Fixtures.b64("robot:robot-password-2"));
      assertThat(hasEntry(client.serviceAccounts().inNamespace("team-a").withName("default").get())).isTrue();
    }
    assertThat(lost).as("lost during the roll").isEmpty();
    awaitCredentialReady("local");
  }

  /**
   * The uninstall of docs/installation.md: the RegistryCredentials first (the operator removes
   * their Secrets and ServiceAccount entries), then {@code helm uninstall}, which removes every
   * object of the chart and leaves the CRD, and in the release namespace only what the operator
   * made there (its Lease and its certificate's Secret) for the namespace's deletion.
   */
  void uninstallAsDocumented() {
    client.resources(RegistryCredential.class).inAnyNamespace().delete();
    await("RegistryCredentials gone").atMost(WAIT).pollInterval(Duration.ofMillis(200))
        .until(() -> client.resources(RegistryCredential.class).inAnyNamespace().list().getItems().isEmpty());
    assertThat(client.secrets().inNamespace("team-a").withName("local-pull").get()).isNull();
    assertThat(hasEntry(client.serviceAccounts().inNamespace("team-a").withName("default").get())).isFalse();

    Cli.helm(admin, "uninstall", RELEASE, "-n", NS).ok();
    String chart = "app.kubernetes.io/instance=" + RELEASE;
    await("the chart's objects and pods gone").atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
        client.pods().inNamespace(NS).withLabel("app.kubernetes.io/name", "pullsecret-operator").list().getItems().isEmpty());
    List<String> left = new ArrayList<>();
    for (var kind : List.of(client.apps().deployments().inNamespace(NS), client.services().inNamespace(NS),
        client.serviceAccounts().inNamespace(NS), client.configMaps().inNamespace(NS), client.secrets().inNamespace(NS),
        client.rbac().roles().inNamespace(NS), client.rbac().roleBindings().inNamespace(NS),
        client.policy().v1().podDisruptionBudget().inNamespace(NS), client.network().v1().networkPolicies().inNamespace(NS),
        client.rbac().clusterRoles(), client.rbac().clusterRoleBindings(),
        client.admissionRegistration().v1().mutatingWebhookConfigurations())) {
      kind.withLabelSelector(chart).list().getItems()
          .forEach(o -> left.add(o.getKind() + " " + o.getMetadata().getName()));
    }
    assertThat(left).as("objects of the chart left by helm uninstall").isEmpty();
    assertThat(client.apiextensions().v1().customResourceDefinitions().withName("registrycredentials.pullsecrets.io").get())
        .as("the CRD (Helm never deletes CRDs)").isNotNull();
    // What the operator made in the release namespace stays for `kubectl delete namespace`.
    assertThat(client.leases().inNamespace(NS).list().getItems()).extracting(l -> l.getMetadata().getName())
        .containsExactly(Main.LEASE_NAME);
    assertThat(client.secrets().inNamespace(NS).list().getItems()).extracting(x -> x.getMetadata().getName())
        .containsExactlyInAnyOrder(FULL + "-webhook-tls", "node-registry", "robot");
  }

  void awaitCredentialReady(String name) {
    try {
      await("RegistryCredential Ready").atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
        RegistryCredential now = client.resources(RegistryCredential.class).inNamespace(NS).withName(name).get();
        return now != null && now.getStatus() != null && now.getStatus().getConditions() != null && now.getStatus().getConditions()
            .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("RegistryCredential not Ready: "
          + client.resources(RegistryCredential.class).inNamespace(NS).withName(name).get().getStatus() + describe(), e);
    }
  }

  static boolean hasEntry(ServiceAccount sa) {
    return sa != null && sa.getImagePullSecrets() != null
        && sa.getImagePullSecrets().stream().anyMatch(r -> "local-pull".equals(r.getName()));
  }

  /**
   * The same image under another tag, as a release's retag would make it: its manifest read from
   * the node's registry and put back under {@code tag}. Returns the new reference.
   */
  String retag(String ref, String tag) throws Exception {
    String repository = ref.substring(ref.indexOf('/') + 1, ref.lastIndexOf(':'));
    String base = "http://" + node.registry + "/v2/" + repository + "/manifests/";
    String auth = "Basic " + Fixtures.b64("operator-pull:operator-pull-password");
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<byte[]> manifest = http.send(HttpRequest.newBuilder(URI.create(base + ref.substring(ref.lastIndexOf(':') + 1)))
        .header("Authorization", auth)
        .header("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, "
            + "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json")
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(manifest.statusCode()).as("GET manifest").isEqualTo(200);
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base + tag))
        .header("Authorization", auth)
        .header("Content-Type", manifest.headers().firstValue("Content-Type").orElseThrow())
        .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest.body())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as("PUT manifest: %s", put.body()).isEqualTo(201);
    return ref.substring(0, ref.lastIndexOf(':') + 1) + tag;
  }

  /** Every state the Lease goes through (a watch), with when it was seen. */
  final class LeaseHistory implements AutoCloseable {
    record Seen(Instant at, String holder) {
      @Override
      public String toString() {
        return at + " " + (holder == null || holder.isEmpty() ? "(released)" : holder);
      }
    }

    final List<Seen> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    final io.fabric8.kubernetes.client.Watch watch;

    LeaseHistory() {
      watch = client.leases().inNamespace(NS).withName(Main.LEASE_NAME).watch(new Watcher<Lease>() {
        @Override
        public void eventReceived(Action action, Lease l) {
          String h = l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
          synchronized (seen) {
            if (seen.isEmpty() || !java.util.Objects.equals(seen.get(seen.size() - 1).holder(), h)) {
              seen.add(new Seen(Instant.now(), h));
            }
          }
        }

        @Override
        public void onClose(WatcherException e) {}
      });
    }

    Instant firstEmptyAfter(Instant t) {
      synchronized (seen) {
        return seen.stream().filter(s -> !s.at().isBefore(t) && (s.holder() == null || s.holder().isEmpty()))
            .map(Seen::at).findFirst().orElse(null);
      }
    }

    List<Seen> holdersAfter(Instant t) {
      synchronized (seen) {
        return seen.stream().filter(s -> !s.at().isBefore(t)).toList();
      }
    }

    @Override
    public String toString() {
      synchronized (seen) {
        return seen.toString();
      }
    }

    @Override
    public void close() {
      watch.close();
    }
  }

  /** The operator container's log, read as a user does ({@code kubectl logs}: the API server asks the kubelet). */
  String podLog(Pod p) {
    return client.pods().inNamespace(NS).withName(p.getMetadata().getName()).inContainer("operator").getLog();
  }

  String holder() {
    Lease l = client.leases().inNamespace(NS).withName(Main.LEASE_NAME).get();
    return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }

  static double counter(String text, String name, String result) {
    Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*result=\"" + result + "\"[^}]*} ([0-9.eE+-]+)$").matcher(text);
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  /** GET /metrics through the metrics Service with curl (its ClusterIP under the certificate's DNS name). */
  String scrape() throws Exception {
    String svc = FULL + "-metrics";
    String ip = client.services().inNamespace(NS).withName(svc).get().getSpec().getClusterIP();
    var data = client.secrets().inNamespace(NS).withName(FULL + "-webhook-tls").get().getData();
    String ca = new String(Base64.getDecoder().decode(data.getOrDefault("ca-bundle.crt", data.get("ca.crt"))), StandardCharsets.UTF_8);
    Path caFile = Files.createTempFile("metrics-ca", ".crt");
    Files.writeString(caFile, ca);
    String token = client.serviceAccounts().inNamespace(NS).withName("scraper").tokenRequest(new TokenRequestBuilder()
        .withNewSpec().withExpirationSeconds(600L).endSpec().build()).getStatus().getToken();
    String host = svc + "." + NS + ".svc";
    Process p = new ProcessBuilder("curl", "-sS", "--fail", "--max-time", "5", "--cacert", caFile.toString(),
        "--resolve", host + ":8443:" + ip, "-H", "Authorization: Bearer " + token, "https://" + host + ":8443/metrics")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    Files.deleteIfExists(caFile);
    assertThat(p.exitValue()).as("curl: %s", out).isZero();
    return out;
  }
}
