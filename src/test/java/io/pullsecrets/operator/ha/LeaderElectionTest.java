package io.pullsecrets.operator.ha;

import static io.pullsecrets.operator.metrics.Prometheus.get;
import static io.pullsecrets.operator.metrics.Prometheus.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.Main;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.RealApiServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two operator processes (as {@link Main} assembles them, each as the chart's ServiceAccount with
 * the chart's RBAC) against the real API server, with leader election on one real Lease: only the
 * Lease holder writes; when it stops, it releases the Lease, the other takes it and catches up
 * with what changed meanwhile. Writes are read from the API server's audit log.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class LeaderElectionTest {
  static final String OPS = "pullsecret-system";
  static final Main.LeaseTimings FAST = new Main.LeaseTimings(Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofMillis(200));
  static final Duration WAIT = Duration.ofSeconds(20);

  record Call(String agent, String method, String path) {
    boolean isWrite() {
      return !method.equals("GET");
    }

    /** Writes every replica makes whether it leads or not. */
    boolean isElection() {
      return path.contains("/leases") || path.contains("/selfsubjectrulesreviews");
    }
  }

  @RegisterExtension final Closer closer = new Closer();
  RealApiServer api;
  final AtomicInteger lostLeadership = new AtomicInteger();

  @BeforeEach
  void setUp() {
    api = closer.add(new RealApiServer());
  }

  @Test
  void onlyTheLeaderWritesAndTheStandbyTakesOver() {
    KubernetesClient client = api.client();
    Fixtures.namespace(client, OPS, Map.of());
    api.grantLeaderElection(OPS);
    Fixtures.namespace(client, "team-a", Map.of());
    Fixtures.loginSecret(client, OPS, "robot", "robot", "first-password");

    Main.Running a = operator("replica-a").start();
    await().atMost(WAIT).until(() -> leader(a) == 1);
    Main.Running b = operator("replica-b").start();
    // The standby syncs its caches and is ready, but does not lead.
    await().atMost(WAIT).until(() -> get(b.httpPort(), "/readyz").status() == 200);
    assertThat(leader(b)).isEqualTo(0);
    assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("replica-a");

    RegistryCredential rc = CredentialBuilder.staticLogin(OPS, "robot", "registry.example.com", "robot")
        .targets(List.of("team-a")).build();
    client.resource(rc).create();
    await().atMost(WAIT).until(() -> password("team-a").contains("first-password"));
    await().atMost(WAIT).until(() -> ready(client));

    assertThat(writes("replica-a")).isNotEmpty();
    assertThat(writes("replica-b")).as("the standby wrote").isEmpty();

    // The leader stops and releases the Lease (it does not leave it to expire); the source
    // changes while nobody leads.
    closer.closeNow(a);
    assertThat(lease().getSpec().getHolderIdentity()).as("the Lease's holder once the leader stopped")
        .isIn(null, "replica-b");
    Fixtures.loginSecret(client, OPS, "robot", "robot", "second-password");
    long stopped = System.nanoTime();
    await().atMost(WAIT).until(() -> leader(b) == 1);
    Duration takeover = Duration.ofNanos(System.nanoTime() - stopped);
    assertThat(takeover).isLessThan(FAST.leaseDuration().plus(FAST.retryPeriod()).plusSeconds(2));
    assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("replica-b");

    // No refresh is lost: the new leader picks up the change.
    await().atMost(WAIT).until(() -> password("team-a").contains("second-password"));
    assertThat(writes("replica-b")).anyMatch(c -> c.path().contains("/namespaces/team-a/secrets"));
    assertThat(lostLeadership.get()).isZero();
  }

  private Main.Running operator(String identity) {
    KubernetesClient c = api.newClient(identity, true);
    OperatorConfig config = new OperatorConfig(OPS, Set.of(OPS), Set.of(), 0, true, "info", "text");
    Main.Running r = Main.create(c, config, PullSecretOperator.Options.defaults(c),
        new Main.Launch(identity, FAST, lostLeadership::incrementAndGet));
    return closer.add(r);
  }

  private static double leader(Main.Running r) {
    return value(get(r.httpPort(), "/metrics").body(), "pullsecret_leader", Map.of()).orElse(-1);
  }

  private Lease lease() {
    return api.client().leases().inNamespace(OPS).withName(Main.LEASE_NAME).get();
  }

  private String password(String ns) {
    var s = api.client().secrets().inNamespace(ns).withName("robot").get();
    return Fixtures.dockerConfigJson(s);
  }

  private static boolean ready(KubernetesClient client) {
    RegistryCredential rc = client.resources(RegistryCredential.class).inNamespace(OPS).withName("robot").get();
    return rc != null && rc.getStatus() != null && rc.getStatus().getConditions() != null
        && rc.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  private List<Call> writes(String agent) {
    return api.auditEvents().stream()
        .map(e -> new Call(e.path("userAgent").asText(""), RealApiServer.toRequest(e, false).method(), e.path("requestURI").asText()))
        .filter(c -> c.agent().startsWith(agent) && c.isWrite() && !c.isElection()).toList();
  }
}
