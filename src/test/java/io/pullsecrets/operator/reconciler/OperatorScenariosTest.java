package io.pullsecrets.operator.reconciler;

import static io.pullsecrets.operator.testing.Fixtures.b64;
import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.LabelSelectorRequirementSpec;
import io.pullsecrets.operator.api.LabelSelectorSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.ServiceAccountsSpec;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole operator against the CRUD mock API server: one scenario per behaviour users rely on. */
@io.pullsecrets.operator.testing.OnRealControlPlane
class OperatorScenariosTest {
  static final String REGISTRY = "registry.example.com";
  static final String EXPECTED_JSON = Fixtures.robotDockerConfig("s3cret-1");

  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;

  @BeforeEach
  void start() {
    h = closer.add(new OperatorHarness()).start();
  }


  @Test
  void createReplicatesTheSecretAndPatchesDefaultServiceAccounts() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-b", Map.of());
    RegistryCredential applied = h.apply(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a", "team-b")));

    RegistryCredential rc = h.awaitReady(PLATFORM_NS, "example");

    for (String ns : List.of("team-a", "team-b")) {
      Secret s = h.secret(ns, "regcred").orElseThrow();
      assertThat(s.getType()).isEqualTo("kubernetes.io/dockerconfigjson");
      assertThat(h.dockerConfig(ns, "regcred")).isEqualTo(EXPECTED_JSON);
      assertThat(s.getMetadata().getLabels())
          .containsEntry(Labels.MANAGED_BY, "pullsecret-operator")
          .containsEntry(Labels.CREDENTIAL_UID, applied.getMetadata().getUid());
      assertThat(h.pullSecretNames(ns, "default")).containsExactly("regcred");
    }
    assertThat(h.secret(PLATFORM_NS, "regcred")).isEmpty();
    assertThat(rc.getStatus().getNamespaces().getTargeted()).isEqualTo(2);
    assertThat(rc.getStatus().getNamespaces().getSynced()).isEqualTo(2);
    assertThat(rc.getStatus().getProvider()).isEqualTo("static");
    assertThat(rc.getStatus().getRegistries()).containsExactly(REGISTRY);
    assertThat(condition(rc, "TokenValid").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(condition(rc, "Synced").orElseThrow().getMessage()).isEqualTo("2/2 namespaces");
    assertThat(condition(rc, "Ready").orElseThrow().getMessage()).isEqualTo("2/2 namespaces; credential does not expire");
    assertThat(condition(rc, "Stalled")).isEmpty();
    assertThat(rc.getMetadata().getFinalizers()).contains(RegistryCredentialReconciler.FINALIZER);
    h.awaitUntil(() -> h.client.v1().events().inNamespace(PLATFORM_NS).list().getItems().stream()
        .anyMatch(e -> "Synced".equals(e.getReason()) && "example".equals(e.getInvolvedObject().getName())));
  }

  @Test
  void withoutTargetsOnlyTheOwnNamespaceAndSecretNameDefaultsToTheResourceName() {
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "s3cret-1");
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.apply(Fixtures.staticCredential(PLATFORM_NS, "ghcr", "ghcr.io", "robot"));

    h.awaitReady(PLATFORM_NS, "ghcr");

    assertThat(h.secret(PLATFORM_NS, "ghcr")).isPresent();
    assertThat(h.pullSecretNames(PLATFORM_NS, "default")).containsExactly("ghcr");
    assertThat(h.secret("team-a", "ghcr")).isEmpty();
  }

  @Test
  void dockerConfigIsPassedThroughByteForByte() {
    String json = "{\"auths\":{\"quay.io\":{\"auth\":\"" + b64("q:w") + "\"},\"ghcr.io\":{\"username\":\"u\",\"password\":\"p\"}},\"credsStore\":\"x\"}";
    Fixtures.dataSecret(h.client, PLATFORM_NS, "existing", Map.of(".dockerconfigjson", json));
    h.apply(Fixtures.dockerConfigCredential(PLATFORM_NS, "passthrough", "existing"));

    RegistryCredential rc = h.awaitReady(PLATFORM_NS, "passthrough");

    assertThat(Fixtures.dockerConfigJson(h.secret(PLATFORM_NS, "passthrough").orElseThrow())).isEqualTo(json);
    assertThat(rc.getStatus().getRegistries()).containsExactly("quay.io", "ghcr.io");
    assertThat(rc.getStatus().getProvider()).isEqualTo("dockerConfig");
  }

  @Test
  void selectorCoversNewNamespacesAndDropsRelabelledOnes() {
    Fixtures.namespace(h.client, "team-a", Map.of("pull", "ecr", "tier", "prod"));
    Fixtures.namespace(h.client, "team-b", Map.of("pull", "other"));
    RegistryCredential rc = Fixtures.teamCredential(h.client, REGISTRY, null);
    rc.getSpec().getTargets().setNamespaceSelector(new LabelSelectorSpec(Map.of("tier", "prod"),
        List.of(new LabelSelectorRequirementSpec("pull", "In", List.of("ecr", "gar")))));
    h.apply(rc);
    h.awaitReady(PLATFORM_NS, "example");
    assertThat(h.secret("team-a", "regcred")).isPresent();
    assertThat(h.secret("team-b", "regcred")).isEmpty();

    // A namespace created later that matches is covered within seconds.
    Fixtures.namespace(h.client, "team-c", Map.of("pull", "gar", "tier", "prod"));
    h.awaitUntil(() -> h.secret("team-c", "regcred").isPresent() && h.pullSecretNames("team-c", "default").contains("regcred"));

    // Relabelled out of the selector: the Secret and the service account entry go.
    h.client.serviceAccounts().inNamespace("team-a").withName("default")
        .edit(sa -> new ServiceAccountBuilder(sa).addToImagePullSecrets(new LocalObjectReference("someone-elses")).build());
    h.awaitUntil(() -> h.pullSecretNames("team-a", "default").equals(List.of("regcred", "someone-elses")));
    h.client.namespaces().withName("team-a").edit(ns -> {
      ns.getMetadata().getLabels().put("pull", "none");
      return ns;
    });
    h.awaitUntil(() -> h.secret("team-a", "regcred").isEmpty());
    h.awaitUntil(() -> h.pullSecretNames("team-a", "default").equals(List.of("someone-elses")));
    RegistryCredential status = h.awaitResource(PLATFORM_NS, "example",
        r -> r.getStatus().getNamespaces() != null && r.getStatus().getNamespaces().getTargeted() == 1);
    assertThat(status.getStatus().getNamespaces().getSynced()).isEqualTo(1);
  }

  @Test
  void namespaceRemovedFromTheListLosesSecretAndEntry() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-b", Map.of());
    h.applyReady(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a", "team-b")));

    RegistryCredential rc = h.get(PLATFORM_NS, "example");
    rc.getSpec().getTargets().setNamespaces(List.of("team-a"));
    h.client.resource(rc).update();

    h.awaitUntil(() -> h.secret("team-b", "regcred").isEmpty() && h.pullSecretNames("team-b", "default").isEmpty());
    assertThat(h.secret("team-a", "regcred")).isPresent();
    h.awaitCondition(PLATFORM_NS, "example", "Synced", "True", "Synced");
  }

  @Test
  void excludeNamespacesWins() {
    Fixtures.namespace(h.client, "team-a", Map.of("pull", "yes"));
    Fixtures.namespace(h.client, "kube-system", Map.of("pull", "yes"));
    RegistryCredential rc = Fixtures.teamCredential(h.client, REGISTRY, null);
    rc.getSpec().getTargets().setNamespaceSelector(new LabelSelectorSpec(null,
        List.of(new LabelSelectorRequirementSpec("pull", "Exists", null))));
    rc.getSpec().getTargets().setExcludeNamespaces(List.of("kube-system"));
    h.apply(rc);
    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "example");
    assertThat(h.secret("team-a", "regcred")).isPresent();
    assertThat(h.secret("kube-system", "regcred")).isEmpty();
    assertThat(ready.getStatus().getNamespaces().getTargeted()).isEqualTo(1);
  }

  @Test
  void serviceAccountsByNameAreAppendedLaterAndRepairedWithoutTouchingOtherEntries() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.client.serviceAccounts().inNamespace("team-a").withName("default")
        .edit(sa -> new ServiceAccountBuilder(sa).addToImagePullSecrets(new LocalObjectReference("first"),
            new LocalObjectReference("second")).build());
    RegistryCredential rc = Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a"));
    ServiceAccountsSpec sas = new ServiceAccountsSpec();
    sas.setNames(List.of("default", "builder"));
    rc.getSpec().setServiceAccounts(sas);
    h.apply(rc);
    h.awaitReady(PLATFORM_NS, "example");
    assertThat(h.pullSecretNames("team-a", "default")).containsExactly("first", "second", "regcred");

    // Created later: patched within seconds.
    Fixtures.serviceAccount(h.client, "team-a", "builder", Map.of());
    h.awaitUntil(() -> h.pullSecretNames("team-a", "builder").equals(List.of("regcred")));
    // Not selected: untouched.
    Fixtures.serviceAccount(h.client, "team-a", "other", Map.of());

    // Removed by hand: re-added, others' entries kept in their order.
    h.client.serviceAccounts().inNamespace("team-a").withName("default").edit(sa -> {
      sa.getImagePullSecrets().removeIf(r -> r.getName().equals("regcred"));
      return sa;
    });
    h.awaitUntil(() -> h.pullSecretNames("team-a", "default").equals(List.of("first", "second", "regcred")));
    assertThat(h.pullSecretNames("team-a", "other")).isEmpty();
    // Patches are JSON patches guarded by a test op.
    assertThat(h.api.operatorRequests().stream().filter(r -> r.method().equals("PATCH") && r.path().contains("/serviceaccounts/")))
        .isNotEmpty()
        .allMatch(r -> r.body().contains("\"op\":\"test\""));
  }

  @Test
  void allServiceAccountsOrBySelector() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.serviceAccount(h.client, "team-a", "builder", Map.of("pulls", "yes"));
    Fixtures.serviceAccount(h.client, "team-a", "runner", Map.of());
    RegistryCredential rc = CredentialBuilder.of(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a")))
        .serviceAccountsSelecting(Map.of("pulls", "yes")).build();
    h.apply(rc);
    h.awaitReady(PLATFORM_NS, "example");
    assertThat(h.pullSecretNames("team-a", "builder")).containsExactly("regcred");
    assertThat(h.pullSecretNames("team-a", "runner")).isEmpty();
    assertThat(h.pullSecretNames("team-a", "default")).isEmpty();

    RegistryCredential current = h.get(PLATFORM_NS, "example");
    ServiceAccountsSpec all = new ServiceAccountsSpec();
    all.setAll(true);
    current.getSpec().setServiceAccounts(all);
    h.client.resource(current).update();
    h.awaitUntil(() -> List.of("default", "builder", "runner").stream()
        .allMatch(sa -> h.pullSecretNames("team-a", sa).equals(List.of("regcred"))));
  }

  @Test
  void handEditedOrDeletedSecretIsRestored() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.applyReady(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a")));

    h.client.secrets().inNamespace("team-a").withName("regcred").edit(s -> {
      s.getData().put(".dockerconfigjson", b64("{\"auths\":{}}"));
      return s;
    });
    h.awaitUntil(() -> h.dockerConfig("team-a", "regcred").equals(EXPECTED_JSON));

    h.client.secrets().inNamespace("team-a").withName("regcred").delete();
    h.awaitUntil(() -> h.secret("team-a", "regcred").map(s -> h.dockerConfig("team-a", "regcred").equals(EXPECTED_JSON)).orElse(false));
  }

  @Test
  void foreignSecretOfTheSameNameIsLeftAloneAndReportedAsConflict() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-c", Map.of());
    Secret foreign = h.client.secrets().inNamespace("team-c").resource(new SecretBuilder().withNewMetadata()
        .withName("regcred").withNamespace("team-c").endMetadata().withData(Map.of("token", b64("theirs"))).build()).create();
    h.apply(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a", "team-c")));

    RegistryCredential rc = h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "Conflict");

    assertThat(h.secret("team-a", "regcred")).isPresent();
    Secret after = h.secret("team-c", "regcred").orElseThrow();
    assertThat(after.getData()).isEqualTo(foreign.getData());
    assertThat(after.getMetadata().getResourceVersion()).isEqualTo(foreign.getMetadata().getResourceVersion());
    assertThat(h.pullSecretNames("team-c", "default")).isEmpty();
    assertThat(rc.getStatus().getFailedNamespaces()).singleElement().satisfies(f -> {
      assertThat(f.getNamespace()).isEqualTo("team-c");
      assertThat(f.getReason()).isEqualTo("Conflict");
    });
    assertThat(rc.getStatus().getNamespaces().getSynced()).isEqualTo(1);
    assertThat(condition(rc, "Stalled").orElseThrow().getReason()).isEqualTo("Conflict");
    h.awaitUntil(() -> h.client.v1().events().inNamespace(PLATFORM_NS).list().getItems().stream()
        .anyMatch(e -> "Conflict".equals(e.getReason()) && "Warning".equals(e.getType())));

    // Once the foreign Secret is gone, the namespace is synced.
    h.client.secrets().inNamespace("team-c").withName("regcred").delete();
    h.apply(h.get(PLATFORM_NS, "example")); // any change triggers a reconcile
    h.client.namespaces().withName("team-c").edit(ns -> {
      ns.getMetadata().setLabels(Map.of("touched", "yes"));
      return ns;
    });
    h.awaitReady(PLATFORM_NS, "example");
    assertThat(h.dockerConfig("team-c", "regcred")).isEqualTo(EXPECTED_JSON);
  }

  @Test
  void changingTheSourceSecretUpdatesEveryReplica() {
    for (String ns : List.of("team-a", "team-b", "team-c")) {
      Fixtures.namespace(h.client, ns, Map.of());
    }
    h.applyReady(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a", "team-b", "team-c")));

    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "rotated-2");

    String rotated = "{\"auths\":{\"registry.example.com\":{\"username\":\"robot\",\"password\":\"rotated-2\",\"auth\":\"" + b64("robot:rotated-2") + "\"}}}";
    h.awaitUntil(() -> List.of("team-a", "team-b", "team-c").stream().allMatch(ns -> h.dockerConfig(ns, "regcred").equals(rotated)));
  }

  /**
   * Applies {@code sneaky} (named sneaky, in an untrusted namespace, targeting team-a too) and
   * checks that it is NotPermitted and Stalled, and that the operator wrote no Secret and no
   * ServiceAccount anywhere.
   */
  static void assertNotPermittedWritingNothing(OperatorHarness h, RegistryCredential sneaky) {
    String own = sneaky.getMetadata().getNamespace();
    h.apply(sneaky);

    RegistryCredential status = h.awaitCondition(own, "sneaky", "Ready", "False", "NotPermitted");

    assertThat(condition(status, "Stalled").orElseThrow().getReason()).isEqualTo("NotPermitted");
    assertThat(h.secret("team-a", "sneaky")).isEmpty();
    assertThat(h.secret(own, "sneaky")).isEmpty();
    assertThat(h.api.operatorRequests().stream().filter(r -> r.isWrite()
        && (r.path().contains("/secrets") || r.path().contains("/serviceaccounts")))).isEmpty();
  }

  @Test
  void untrustedNamespaceTargetingOthersIsNotPermittedAndWritesNothing() {
    Fixtures.namespace(h.client, "team-x", Map.of());
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.loginSecret(h.client, "team-x", "robot", "robot", "s3cret-1");
    assertNotPermittedWritingNothing(h, CredentialBuilder.staticLogin("team-x", "sneaky", REGISTRY, "robot")
        .targets(List.of("team-a", "team-x")).build());

    // Its own namespace alone is fine.
    Fixtures.loginSecret(h.client, "team-x", "robot", "robot", "s3cret-1");
    RegistryCredential own = Fixtures.staticCredential("team-x", "own", REGISTRY, "robot");
    h.apply(own);
    h.awaitReady("team-x", "own");
    assertThat(h.secret("team-x", "own")).isPresent();
  }

  @Test
  void deletingCleansUpSecretsAndOnlyItsOwnServiceAccountEntries() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-b", Map.of());
    h.client.serviceAccounts().inNamespace("team-a").withName("default")
        .edit(sa -> new ServiceAccountBuilder(sa).addToImagePullSecrets(new LocalObjectReference("keep-me")).build());
    h.applyReady(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a", "team-b")));
    h.client.serviceAccounts().inNamespace("team-a").withName("default")
        .edit(sa -> new ServiceAccountBuilder(sa).addToImagePullSecrets(new LocalObjectReference("added-after")).build());
    assertThat(h.pullSecretNames("team-a", "default")).containsExactly("keep-me", "regcred", "added-after");

    h.client.resources(RegistryCredential.class).inNamespace(PLATFORM_NS).withName("example").delete();

    h.awaitUntil(() -> h.get(PLATFORM_NS, "example") == null);
    assertThat(h.secret("team-a", "regcred")).isEmpty();
    assertThat(h.secret("team-b", "regcred")).isEmpty();
    assertThat(h.pullSecretNames("team-a", "default")).containsExactly("keep-me", "added-after");
    assertThat(h.pullSecretNames("team-b", "default")).isEmpty();
    assertThat(h.client.namespaces().withName("team-a").get().getMetadata().getFinalizers()).isNullOrEmpty();
  }

  @Test
  void missingSourceSecretIsReportedAndRecoveredWhenItAppears() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    RegistryCredential rc = Fixtures.staticCredential(PLATFORM_NS, "example", REGISTRY, "robot");
    h.apply(rc);

    RegistryCredential status = h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "SourceNotFound");
    assertThat(condition(status, "Ready").orElseThrow().getMessage()).isEqualTo("Secret 'robot' not found");
    assertThat(condition(status, "Stalled").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(h.secret(PLATFORM_NS, "example")).isEmpty();

    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "s3cret-1");
    h.awaitReady(PLATFORM_NS, "example");
    assertThat(condition(h.get(PLATFORM_NS, "example"), "Stalled")).isEmpty();
  }

  @Test
  void missingKeyAndMalformedDockerConfigAreInvalidSourceAndKeepTheGoodSecret() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.applyReady(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a")));
    String before = h.secret("team-a", "regcred").orElseThrow().getMetadata().getResourceVersion();

    Fixtures.dataSecret(h.client, PLATFORM_NS, "robot", Map.of("username", "robot"));
    RegistryCredential rc = h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "InvalidSource");
    assertThat(condition(rc, "Ready").orElseThrow().getMessage()).contains("Secret 'robot' has no key 'password'");
    assertThat(condition(rc, "TokenValid").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(h.secret("team-a", "regcred").orElseThrow().getMetadata().getResourceVersion()).isEqualTo(before);
    assertThat(h.dockerConfig("team-a", "regcred")).isEqualTo(EXPECTED_JSON);

    Fixtures.dataSecret(h.client, PLATFORM_NS, "broken", Map.of(".dockerconfigjson", "{\"auths\": [1, 2"));
    h.apply(Fixtures.dockerConfigCredential(PLATFORM_NS, "passthrough", "broken"));
    RegistryCredential broken = h.awaitCondition(PLATFORM_NS, "passthrough", "Ready", "False", "InvalidSource");
    assertThat(condition(broken, "Ready").orElseThrow().getMessage())
        .isEqualTo("Secret 'broken' key '.dockerconfigjson' is not valid JSON");
    assertThat(h.secret(PLATFORM_NS, "passthrough")).isEmpty();
  }

  @Test
  void unparsableSelectorIsInvalidSpecAndANamespaceEventWritesNoStatus() {
    Fixtures.namespace(h.client, "team-a", Map.of("pull", "yes"));
    RegistryCredential rc = Fixtures.teamCredential(h.client, REGISTRY, null);
    rc.getSpec().getTargets().setNamespaceSelector(new LabelSelectorSpec(null,
        List.of(new LabelSelectorRequirementSpec("pull", "In", List.of()))));
    h.apply(rc);

    RegistryCredential status = h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "InvalidSpec");
    assertThat(condition(status, "Ready").orElseThrow().getMessage())
        .isEqualTo("spec.targets.namespaceSelector: operator In on key 'pull' needs at least one value");
    int syncsBefore = h.syncs.get();
    int reconcilesBefore = h.reconciles(PLATFORM_NS, "example");
    long statusWrites = h.api.operatorRequests().stream().filter(r -> r.isWrite() && r.path().endsWith("/status")).count();
    // A namespace event reconciles it again: the status is unchanged, so nothing is written.
    Fixtures.namespace(h.client, "team-z", Map.of());
    h.awaitUntil(() -> h.reconciles(PLATFORM_NS, "example") > reconcilesBefore);
    assertThat(h.api.operatorRequests().stream().filter(r -> r.isWrite() && r.path().endsWith("/status")).count()).isEqualTo(statusWrites);
    assertThat(h.syncs.get()).isEqualTo(syncsBefore);
    assertThat(h.secret("team-a", "regcred")).isEmpty();
  }

  @Test
  void atRestNothingIsWritten() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.applyReady(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a")));
    h.awaitUntil(() -> h.pullSecretNames("team-a", "default").contains("regcred"));
    int syncs = h.syncs.get();
    h.api.clearRequests();

    // An unrelated namespace triggers a reconcile of every credential.
    Fixtures.namespace(h.client, "unrelated", Map.of());
    h.awaitUntil(() -> h.syncs.get() > syncs);

    assertThat(h.api.operatorRequests().stream().filter(io.pullsecrets.operator.testing.ApiRequest::isWrite)).isEmpty();
  }
}
