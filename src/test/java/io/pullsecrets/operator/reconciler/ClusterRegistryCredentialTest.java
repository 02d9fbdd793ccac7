package io.pullsecrets.operator.reconciler;

import static io.pullsecrets.operator.testing.Fixtures.targetNamespaces;
import static io.pullsecrets.operator.testing.Fixtures.targetSelector;
import static io.pullsecrets.operator.testing.OperatorHarness.OPERATOR_NS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pullsecrets.operator.api.ClusterRegistryCredential;
import io.pullsecrets.operator.api.ClusterRegistryCredentialSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.StatusCondition;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.RealApiServer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ClusterRegistryCredential on the real control plane, through the reconciler it shares with
 * RegistryCredential: sources read only from an allowed namespace, any namespace targeted by name
 * or selector, status and Events, the conflict rule with RegistryCredentials, and cleanup.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class ClusterRegistryCredentialTest {
  static final String REGISTRY = OperatorScenariosTest.REGISTRY;
  static final String EXPECTED_JSON = OperatorScenariosTest.EXPECTED_JSON;

  @RegisterExtension final Closer closer = new Closer();

  static ClusterRegistryCredential clusterCredential(String name, String sourceNamespace, TargetsSpec targets) {
    RegistryCredential template = Fixtures.staticCredential(OPERATOR_NS, name, REGISTRY, "robot");
    ClusterRegistryCredential crc = new ClusterRegistryCredential();
    crc.getMetadata().setName(name);
    ClusterRegistryCredentialSpec spec = new ClusterRegistryCredentialSpec();
    spec.setProvider(template.getSpec().getProvider());
    spec.setSourceNamespace(sourceNamespace);
    spec.setSecretName("regcred");
    spec.setTargets(targets);
    crc.setSpec(spec);
    return crc;
  }



  static ClusterRegistryCredential get(OperatorHarness h, String name) {
    return h.client.resources(ClusterRegistryCredential.class).withName(name).get();
  }

  static Optional<StatusCondition> condition(ClusterRegistryCredential crc, String type) {
    if (crc == null || crc.getStatus() == null) {
      return Optional.empty();
    }
    return crc.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  static ClusterRegistryCredential await(OperatorHarness h, String name, Predicate<ClusterRegistryCredential> until) {
    ClusterRegistryCredential[] last = new ClusterRegistryCredential[1];
    h.awaitUntil(() -> {
      last[0] = get(h, name);
      return last[0] != null && last[0].getStatus() != null
          && last[0].getMetadata().getGeneration().equals(last[0].getStatus().getObservedGeneration()) && until.test(last[0]);
    });
    return last[0];
  }

  static ClusterRegistryCredential awaitReady(OperatorHarness h, String name, String status, String reason) {
    return await(h, name, c -> condition(c, "Ready").map(r -> status.equals(r.getStatus()) && reason.equals(r.getReason())).orElse(false));
  }

  @Test
  void staticSourceInTheOperatorsNamespaceReachesReadyInSelectedNamespacesAndDeletionCleansUp() {
    OperatorHarness h = closer.add(new OperatorHarness()).start();
    Fixtures.loginSecret(h.client, OPERATOR_NS, "robot", "robot", "s3cret-1");
    Fixtures.namespace(h.client, "team-a", Map.of("pull", "yes"));
    Fixtures.namespace(h.client, "team-b", Map.of("pull", "yes"));
    Fixtures.namespace(h.client, "team-c", Map.of());
    h.client.resource(clusterCredential("everywhere", OPERATOR_NS, targetSelector(Map.of("pull", "yes")))).create();

    ClusterRegistryCredential crc = awaitReady(h, "everywhere", "True", "Synced");

    assertThat(crc.getStatus().getNamespaces().getTargeted()).isEqualTo(2);
    assertThat(crc.getStatus().getRegistries()).containsExactly(REGISTRY);
    assertThat(crc.getMetadata().getFinalizers()).contains(RegistryCredentialReconciler.FINALIZER);
    for (String ns : List.of("team-a", "team-b")) {
      assertThat(h.dockerConfig(ns, "regcred")).isEqualTo(EXPECTED_JSON);
      assertThat(h.secret(ns, "regcred").orElseThrow().getMetadata().getAnnotations())
          .containsEntry(io.pullsecrets.operator.Labels.OWNER_ANNOTATION, "everywhere");
      assertThat(h.pullSecretNames(ns, "default")).containsExactly("regcred");
    }
    assertThat(h.secret("team-c", "regcred")).isEmpty();
    // No namespace of its own: its Events are in default, as the API server requires (kubectl describe finds them).
    h.awaitUntil(() -> h.client.v1().events().inNamespace("default").list().getItems().stream()
        .anyMatch(e -> "Synced".equals(e.getReason()) && "ClusterRegistryCredential".equals(e.getInvolvedObject().getKind())
            && "everywhere".equals(e.getInvolvedObject().getName())));

    // A namespace created later is covered, through the informers it shares with RegistryCredentials.
    Fixtures.namespace(h.client, "team-d", Map.of("pull", "yes"));
    h.awaitUntil(() -> EXPECTED_JSON.equals(h.dockerConfig("team-d", "regcred")));
    h.awaitUntil(() -> h.pullSecretNames("team-d", "default").contains("regcred"));

    // A source change refreshes it (the source watch is shared too).
    Fixtures.loginSecret(h.client, OPERATOR_NS, "robot", "robot", "rotated-2");
    h.awaitUntil(() -> Fixtures.robotDockerConfig("rotated-2").equals(h.dockerConfig("team-a", "regcred")));

    h.client.resources(ClusterRegistryCredential.class).withName("everywhere").delete();

    h.awaitUntil(() -> get(h, "everywhere") == null);
    for (String ns : List.of("team-a", "team-b", "team-d")) {
      assertThat(h.secret(ns, "regcred")).as(ns).isEmpty();
      assertThat(h.pullSecretNames(ns, "default")).as(ns).isEmpty();
    }
  }

  /** Operator requests that touched Secrets of {@code namespace} (reads included), from the audit log. */
  static List<JsonNode> operatorSecretRequestsIn(OperatorHarness h, String namespace) {
    return ((RealApiServer) h.api).operatorAuditEvents().stream()
        .filter(e -> "secrets".equals(e.path("objectRef").path("resource").asText())
            && namespace.equals(e.path("objectRef").path("namespace").asText()))
        .toList();
  }

  /**
   * The attack: whoever may create a ClusterRegistryCredential names a tenant's namespace as its
   * source, to replicate the tenant's registry login everywhere. Refused (NotPermitted) before any
   * read there, unless an administrator listed that namespace.
   */
  @Test
  void aSourceNamespaceNotAllowedIsRefusedAndNeverRead() {
    OperatorHarness h = closer.add(new OperatorHarness()).start();
    Fixtures.namespace(h.client, "tenant-x", Map.of());
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.loginSecret(h.client, "tenant-x", "robot", "robot", "tenant-secret");
    h.client.resource(clusterCredential("borrowed", "tenant-x", targetNamespaces("team-a"))).create();

    ClusterRegistryCredential crc = awaitReady(h, "borrowed", "False", "NotPermitted");

    assertThat(condition(crc, "Ready").orElseThrow().getMessage())
        .contains("spec.sourceNamespace 'tenant-x' is not allowed", "PULLSECRET_CLUSTER_SOURCE_NAMESPACES");
    assertThat(operatorSecretRequestsIn(h, "tenant-x")).isEmpty();
    assertThat(h.secret("team-a", "regcred")).isEmpty();

    // The administrator allows it: the same object is served.
    h.stopOperator();
    h.start(OperatorHarness.config(Set.of()).withClusterSourceNamespaces(Set.of("tenant-x")), o -> o);
    awaitReady(h, "borrowed", "True", "Synced");
    assertThat(h.dockerConfig("team-a", "regcred")).isEqualTo(Fixtures.robotDockerConfig("tenant-secret"));
  }

  @Test
  void withoutTargetsItIsInvalidSinceItHasNoNamespaceOfItsOwn() {
    OperatorHarness h = closer.add(new OperatorHarness()).start();
    assertThat(h.explain("cregcred.spec.sourceNamespace")).contains("ClusterRegistryCredential", "sourceNamespace",
        "PULLSECRET_CLUSTER_SOURCE_NAMESPACES", "spec.targets is required");
    Fixtures.loginSecret(h.client, OPERATOR_NS, "robot", "robot", "s3cret-1");
    h.client.resource(clusterCredential("nowhere", OPERATOR_NS, null)).create();

    ClusterRegistryCredential crc = awaitReady(h, "nowhere", "False", "InvalidSpec");

    assertThat(condition(crc, "Ready").orElseThrow().getMessage()).contains("spec.targets must name namespaces");
  }

  /**
   * The conflict rule, the same as between two RegistryCredentials: whoever holds a Secret name in
   * a namespace first keeps it; the other reports Conflict there and takes over once it is gone.
   * A tenant's RegistryCredential cannot take the cluster credential's Secret, and the cluster
   * credential never overwrites a tenant's.
   */
  @Test
  void theFirstClaimantOfASecretNameKeepsItWhicheverKindItIs() {
    OperatorHarness h = closer.add(new OperatorHarness()).start();
    Fixtures.loginSecret(h.client, OPERATOR_NS, "robot", "robot", "s3cret-1");
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-b", Map.of());
    Fixtures.loginSecret(h.client, "team-a", "own", "team-a-robot", "team-a-pass");
    RegistryCredential tenants = Fixtures.staticCredential("team-a", "own", "quay.io", "own");
    tenants.getSpec().setSecretName("regcred");
    h.apply(tenants);
    h.awaitReady("team-a", "own");
    String tenantJson = h.dockerConfig("team-a", "regcred");

    h.client.resource(clusterCredential("platform-pull", OPERATOR_NS, targetNamespaces("team-a", "team-b"))).create();

    ClusterRegistryCredential crc = await(h, "platform-pull",
        c -> c.getStatus().getFailedNamespaces() != null && !c.getStatus().getFailedNamespaces().isEmpty());
    assertThat(crc.getStatus().getFailedNamespaces()).singleElement().satisfies(f -> {
      assertThat(f.getNamespace()).isEqualTo("team-a");
      assertThat(f.getReason()).isEqualTo("Conflict");
      assertThat(f.getMessage()).contains("managed by RegistryCredential team-a/own");
    });
    assertThat(h.dockerConfig("team-a", "regcred")).isEqualTo(tenantJson);
    h.awaitUntil(() -> EXPECTED_JSON.equals(h.dockerConfig("team-b", "regcred")));

    // A tenant's credential created where the cluster credential holds the name gets Conflict.
    Fixtures.loginSecret(h.client, "team-b", "own", "team-b-robot", "team-b-pass");
    RegistryCredential late = Fixtures.staticCredential("team-b", "own", "quay.io", "own");
    late.getSpec().setSecretName("regcred");
    h.apply(late);
    RegistryCredential refused = h.awaitResource("team-b", "own", rc -> rc.getStatus() != null
        && rc.getStatus().getFailedNamespaces() != null && !rc.getStatus().getFailedNamespaces().isEmpty());
    assertThat(refused.getStatus().getFailedNamespaces().get(0).getMessage())
        .contains("managed by ClusterRegistryCredential platform-pull");
    assertThat(h.dockerConfig("team-b", "regcred")).isEqualTo(EXPECTED_JSON);

    // The first claimant goes: the cluster credential takes the name over in team-a.
    h.client.resources(RegistryCredential.class).inNamespace("team-a").withName("own").delete();
    h.awaitUntil(() -> EXPECTED_JSON.equals(h.dockerConfig("team-a", "regcred")));
    awaitReady(h, "platform-pull", "True", "Synced");
  }

  /** Pull health as for a RegistryCredential: a refused pull in a target namespace turns PullsHealthy False. */
  @Test
  void aRefusedPullInATargetNamespaceShowsOnIt() {
    OperatorHarness h = closer.add(new OperatorHarness()).start();
    Fixtures.loginSecret(h.client, OPERATOR_NS, "robot", "robot", "s3cret-1");
    Fixtures.namespace(h.client, "team-health", Map.of());
    h.client.resource(clusterCredential("health", OPERATOR_NS, targetNamespaces("team-health"))).create();
    awaitReady(h, "health", "True", "Synced");
    String image = REGISTRY + "/team/app:1";
    var pod = h.client.pods().inNamespace("team-health").resource(new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata().withName("app").endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage(image).endContainer().endSpec().build()).create();
    String now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    h.client.v1().events().inNamespace("team-health").resource(new io.fabric8.kubernetes.api.model.EventBuilder()
        .withNewMetadata().withName("app." + System.nanoTime()).endMetadata()
        .withNewInvolvedObject().withKind("Pod").withApiVersion("v1").withNamespace("team-health")
        .withName("app").withUid(pod.getMetadata().getUid()).withFieldPath("spec.containers{app}").endInvolvedObject()
        .withReason("Failed").withType("Warning").withCount(1).withFirstTimestamp(now).withLastTimestamp(now)
        .withMessage("Failed to pull image \"" + image + "\": failed to resolve reference \"" + image
            + "\": unexpected status from HEAD request: 401 Unauthorized")
        .withNewSource().withComponent("kubelet").withHost("node-1").endSource().build()).create();

    ClusterRegistryCredential crc = await(h, "health",
        c -> condition(c, "PullsHealthy").map(p -> "False".equals(p.getStatus())).orElse(false));

    assertThat(condition(crc, "PullsHealthy").orElseThrow().getMessage()).contains("pod team-health/app", "401 Unauthorized");
    assertThat(condition(crc, "Ready").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(crc.getStatus().getPullFailures().getAuth()).isEqualTo(1);
  }
}
