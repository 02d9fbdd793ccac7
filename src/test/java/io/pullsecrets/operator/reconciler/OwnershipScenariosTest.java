package io.pullsecrets.operator.reconciler;

import static io.pullsecrets.operator.testing.Fixtures.b64;
import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ownership on the real control plane (issue 9): what is not ours is never touched nor quoted
 * unbounded; what is ours (even after a restore) is managed; cleanup takes every entry of ours.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class OwnershipScenariosTest {
  static final String REGISTRY = OperatorScenariosTest.REGISTRY;
  static final String EXPECTED_JSON = OperatorScenariosTest.EXPECTED_JSON;

  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;

  @BeforeEach
  void start() {
    h = closer.add(new OperatorHarness()).start();
  }


  private Secret labelledSecret(String ns, Map<String, String> labels, String ownerAnnotation) {
    return h.client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata()
        .withName("regcred").withNamespace(ns).withLabels(labels)
        .withAnnotations(Map.of(Labels.OWNER_ANNOTATION, ownerAnnotation)).endMetadata()
        .withType("kubernetes.io/dockerconfigjson")
        .withData(Map.of(".dockerconfigjson", b64("{\"auths\":{}}"))).build()).create();
  }

  private Stream<Event> eventsOf(String name) {
    return h.client.v1().events().inNamespace(PLATFORM_NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()));
  }

  /** Issue 9 #3: a tenant's 100 KB owner annotation reached the platform credential's status three times. */
  @Test
  void foreignAnnotationReachesStatusAndEventsOnlyBounded() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-c", Map.of());
    String planted = "Q".repeat(100_000);
    labelledSecret("team-c", Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE), planted);
    h.apply(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a", "team-c")));

    RegistryCredential rc = h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "Conflict");

    String status = Serialization.asJson(rc.getStatus());
    assertThat(status.length()).isLessThan(4_000);
    assertThat(status).doesNotContain("Q".repeat(ForeignText.MAX_QUOTED + 1));
    assertThat(rc.getStatus().getFailedNamespaces()).singleElement().satisfies(f -> {
      assertThat(f.getNamespace()).isEqualTo("team-c");
      assertThat(f.getReason()).isEqualTo("Conflict");
      assertThat(f.getMessage()).contains("invalid owner annotation").contains("(99900 more characters)");
    });
    assertThat(h.secret("team-a", "regcred")).isPresent();
    h.awaitUntil(() -> eventsOf("example").anyMatch(e -> "Warning".equals(e.getType())));
    assertThat(eventsOf("example")).allSatisfy(e ->
        assertThat(e.getMessage()).hasSizeLessThan(1_000).doesNotContain("Q".repeat(ForeignText.MAX_QUOTED + 1)));
  }

  /** Issue 9 #11: a restored Secret (old uid, our owner annotation) was a Conflict with itself forever. */
  @Test
  void restoredOrUnlabelledSecretNamingThisCredentialIsAdoptedOthersStayConflicts() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-b", Map.of());
    Map<String, String> oldLabels = Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE,
        Labels.CREDENTIAL_UID, "0a1b2c3d-0000-4000-8000-000000000000");
    // What a backup restore leaves: our labels with a former uid, our owner annotation.
    labelledSecret("team-a", oldLabels, PLATFORM_NS + "/example");
    // The same, naming another credential: not ours.
    Secret other = labelledSecret("team-b", oldLabels, PLATFORM_NS + "/other");
    RegistryCredential applied = h.apply(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a", "team-b")));
    String uid = applied.getMetadata().getUid();

    RegistryCredential rc = h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "Conflict");
    h.awaitUntil(() -> h.dockerConfig("team-a", "regcred").equals(EXPECTED_JSON));
    assertThat(h.secret("team-a", "regcred").orElseThrow().getMetadata().getLabels()).containsEntry(Labels.CREDENTIAL_UID, uid);
    assertThat(h.pullSecretNames("team-a", "default")).containsExactly("regcred");
    assertThat(rc.getStatus().getFailedNamespaces()).singleElement().satisfies(f -> {
      assertThat(f.getNamespace()).isEqualTo("team-b");
      assertThat(f.getReason()).isEqualTo("Conflict");
      assertThat(f.getMessage()).contains("managed by RegistryCredential platform/other");
    });
    assertThat(h.secret("team-b", "regcred").orElseThrow().getMetadata().getResourceVersion())
        .isEqualTo(other.getMetadata().getResourceVersion());
    h.awaitUntil(() -> eventsOf("example").anyMatch(e -> "Adopted".equals(e.getReason())));

    // The uid label removed by hand: repaired, like a removed managed-by label.
    h.client.secrets().inNamespace("team-a").withName("regcred").edit(s -> {
      s.getMetadata().getLabels().remove(Labels.CREDENTIAL_UID);
      return s;
    });
    h.awaitUntil(() -> uid.equals(h.secret("team-a", "regcred").orElseThrow().getMetadata().getLabels().get(Labels.CREDENTIAL_UID)));
    assertThat(h.secret("team-b", "regcred").orElseThrow().getMetadata().getResourceVersion())
        .isEqualTo(other.getMetadata().getResourceVersion());
  }

  /** Issue 9 #12: with [regcred, mine, regcred], cleanup left one regcred behind. */
  @Test
  void cleanupRemovesEveryDuplicateEntryOfOursAndKeepsTheOthersInOrder() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.applyReady(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a")));
    h.client.serviceAccounts().inNamespace("team-a").withName("default").edit(sa -> {
      sa.setImagePullSecrets(List.of(new LocalObjectReference("regcred"), new LocalObjectReference("mine"),
          new LocalObjectReference("regcred"), new LocalObjectReference("also-mine")));
      return sa;
    });

    h.client.resources(RegistryCredential.class).inNamespace(PLATFORM_NS).withName("example").delete();

    h.awaitUntil(() -> h.get(PLATFORM_NS, "example") == null);
    assertThat(h.secret("team-a", "regcred")).isEmpty();
    assertThat(h.pullSecretNames("team-a", "default")).containsExactly("mine", "also-mine");
  }

  /** Issue 9 #13: an immutable managed Secret blocked every later rotation (422 on every update). */
  @Test
  void immutableManagedSecretIsReplacedOnRotation() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    RegistryCredential applied = h.apply(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a")));
    h.awaitReady(PLATFORM_NS, "example");
    Secret immutable = h.client.secrets().inNamespace("team-a").withName("regcred").edit(s -> {
      s.setImmutable(true);
      s.getMetadata().getLabels().put("team", "keeps-this");
      return s;
    });
    assertThat(immutable.getImmutable()).isTrue();

    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "rotated-2");

    String rotated = "{\"auths\":{\"registry.example.com\":{\"username\":\"robot\",\"password\":\"rotated-2\",\"auth\":\""
        + b64("robot:rotated-2") + "\"}}}";
    h.awaitUntil(() -> h.secret("team-a", "regcred").map(s -> h.dockerConfig("team-a", "regcred").equals(rotated)).orElse(false));
    Secret replaced = h.secret("team-a", "regcred").orElseThrow();
    assertThat(replaced.getMetadata().getUid()).isNotEqualTo(immutable.getMetadata().getUid());
    assertThat(replaced.getMetadata().getLabels())
        .containsEntry(Labels.CREDENTIAL_UID, applied.getMetadata().getUid())
        .containsEntry("team", "keeps-this");
    assertThat(h.pullSecretNames("team-a", "default")).containsExactly("regcred");
    h.awaitUntil(() -> eventsOf("example").anyMatch(e -> "ImmutableSecretReplaced".equals(e.getReason())
        && "Warning".equals(e.getType()) && e.getMessage().contains("team-a")));
    h.awaitReady(PLATFORM_NS, "example");
  }

  /** Issue 9 #17: events of a credential with a long name were refused (name over 253 characters). */
  @Test
  void eventsOfACredentialWithAMaximalNameAreRecorded() {
    String longName = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(61);
    assertThat(longName).hasSize(253);
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "s3cret-1");
    RegistryCredential rc = Fixtures.staticCredential(PLATFORM_NS, longName, REGISTRY, "robot");
    rc.getSpec().setSecretName("regcred");
    h.apply(rc);

    h.awaitReady(PLATFORM_NS, longName);

    h.awaitUntil(() -> eventsOf(longName).anyMatch(e -> "Synced".equals(e.getReason())));
    assertThat(eventsOf(longName)).allSatisfy(e -> assertThat(e.getMetadata().getName()).hasSizeLessThanOrEqualTo(253));
  }
}
