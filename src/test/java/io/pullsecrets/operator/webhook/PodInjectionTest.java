package io.pullsecrets.operator.webhook;

import static io.pullsecrets.operator.testing.Fixtures.targetNamespaces;
import static io.pullsecrets.operator.testing.Fixtures.targetSelector;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.pullsecrets.operator.api.LabelSelectorSpec;
import io.pullsecrets.operator.api.ClusterRegistryCredential;
import io.pullsecrets.operator.api.ClusterRegistryCredentialSpec;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.ServiceAccountsSpec;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The admission decision, as a table: credentials, namespace, service account, pod → names added. */
class PodInjectionTest {
  static final OperatorConfig CONFIG = new OperatorConfig("ops", Set.of("ops", "platform"), Set.of(), 0, false, "info", "text");
  /** A provider of every kind (never called: the webhook only asks whether one is registered). */
  static final ProviderRegistry PROVIDERS = Fixtures.providerOfEveryKind();

  static RegistryCredential rc(String ns, String name, String secretName, TargetsSpec targets, ServiceAccountsSpec sas) {
    return CredentialBuilder.staticLogin(ns, name, "registry.example.com", "login").stored("uid-" + ns + "-" + name)
        .secretName(secretName).targets(targets).serviceAccounts(sas).build();
  }



  static ServiceAccountsSpec saNames(String... names) {
    ServiceAccountsSpec s = new ServiceAccountsSpec();
    s.setNames(List.of(names));
    return s;
  }

  static ServiceAccountsSpec saAll() {
    ServiceAccountsSpec s = new ServiceAccountsSpec();
    s.setAll(true);
    return s;
  }

  static ServiceAccountsSpec saSelector(Map<String, String> labels) {
    ServiceAccountsSpec s = new ServiceAccountsSpec();
    s.setSelector(new LabelSelectorSpec(labels, null));
    return s;
  }

  static Namespace ns(String name, Map<String, String> labels) {
    return new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build();
  }

  static Pod pod(String sa, Map<String, String> labels, String... pullSecrets) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName("p").withLabels(labels).endMetadata().withNewSpec().endSpec();
    if (sa != null) {
      b.editSpec().withServiceAccountName(sa).endSpec();
    }
    if (pullSecrets.length > 0) {
      List<LocalObjectReference> refs = new ArrayList<>();
      for (String s : pullSecrets) {
        refs.add(new LocalObjectReference(s));
      }
      b.editSpec().withImagePullSecrets(refs).endSpec();
    }
    return b.build();
  }

  static ServiceAccount sa(String ns, String name, Map<String, String> labels) {
    return new ServiceAccountBuilder().withNewMetadata().withNamespace(ns).withName(name).withLabels(labels).endMetadata().build();
  }

  static final Map<String, String> PULL = Map.of("pull", "yes");
  static final RegistryCredential BY_LABEL = rc("platform", "ecr", "ecr-pull", targetSelector(PULL, "excluded"), null);
  static final RegistryCredential OWN_NS = rc("team-a", "ghcr", "ghcr-pull", null, null);
  static final RegistryCredential NAMED_ALL_SAS = rc("ops", "quay", "quay-pull", targetNamespaces("team-a", "team-b"), saAll());
  static final RegistryCredential BUILDERS = rc("ops", "builders", "build-pull", targetNamespaces("team-a"), saSelector(Map.of("role", "builder")));
  static final RegistryCredential UNTRUSTED_OTHER = rc("team-c", "sneaky", "sneaky-pull", targetNamespaces("team-a"), null);
  static final RegistryCredential NAMED_SA = rc("ops", "bot", "bot-pull", targetNamespaces("team-a"), saNames("bot"));
  static final RegistryCredential TWO_PROVIDERS = twoProviders();
  static final RegistryCredential DELETING = deleting();
  static final ClusterRegistryCredential CLUSTER = cluster("everywhere", "cluster-pull", "ops", targetSelector(PULL));
  static final ClusterRegistryCredential CLUSTER_TENANT_SOURCE = cluster("borrowed", "borrowed-pull", "team-c", targetSelector(PULL));
  static final ClusterRegistryCredential CLUSTER_NO_TARGETS = cluster("nowhere", "nowhere-pull", "ops", null);

  /** A ClusterRegistryCredential: the same spec as {@link #rc}, sources in {@code sourceNamespace}. */
  static ClusterRegistryCredential cluster(String name, String secretName, String sourceNamespace, TargetsSpec targets) {
    RegistryCredential like = rc("ops", name, secretName, targets, null);
    ClusterRegistryCredential c = new ClusterRegistryCredential();
    c.getMetadata().setName(name);
    c.getMetadata().setUid("uid-cluster-" + name);
    ClusterRegistryCredentialSpec spec = new ClusterRegistryCredentialSpec();
    spec.setProvider(like.getSpec().getProvider());
    spec.setSecretName(secretName);
    spec.setTargets(targets);
    spec.setSourceNamespace(sourceNamespace);
    c.setSpec(spec);
    return c;
  }

  static RegistryCredential twoProviders() {
    RegistryCredential rc = rc("team-a", "broken", "broken-pull", null, null);
    rc.getSpec().getProvider().setDockerConfig(new io.pullsecrets.operator.api.DockerConfigProviderSpec());
    return rc;
  }

  static RegistryCredential deleting() {
    RegistryCredential rc = rc("team-a", "gone", "gone-pull", null, null);
    rc.getMetadata().setDeletionTimestamp("2026-11-29T00:00:00Z");
    return rc;
  }

  static Stream<Arguments> cases() {
    Namespace labelled = ns("team-a", PULL);
    Namespace plain = ns("team-x", Map.of());
    return Stream.of(
        // description, credentials, namespace, cached SA, pod, expected additions
        Arguments.of("selected namespace, default SA, no list", List.of(BY_LABEL), labelled, null, pod(null, Map.of()), List.of("ecr-pull")),
        Arguments.of("untargeted namespace", List.of(BY_LABEL), plain, null, pod(null, Map.of()), List.of()),
        Arguments.of("excluded namespace", List.of(BY_LABEL), ns("excluded", PULL), null, pod(null, Map.of()), List.of()),
        Arguments.of("terminating namespace", List.of(BY_LABEL),
            new NamespaceBuilder(labelled).withNewStatus().withPhase("Terminating").endStatus().build(), null, pod(null, Map.of()), List.of()),
        Arguments.of("already listed", List.of(BY_LABEL), labelled, null, pod(null, Map.of(), "ecr-pull"), List.of()),
        Arguments.of("other entries kept, ours appended", List.of(BY_LABEL), labelled, null, pod(null, Map.of(), "theirs"), List.of("ecr-pull")),
        Arguments.of("default SA not selected by names", List.of(NAMED_SA), labelled, null, pod(null, Map.of()), List.of()),
        Arguments.of("named SA selected without cache entry", List.of(NAMED_SA), labelled, null, pod("bot", Map.of()), List.of("bot-pull")),
        Arguments.of("SA selector matches cached SA", List.of(BUILDERS), labelled, sa("team-a", "ci", Map.of("role", "builder")), pod("ci", Map.of()), List.of("build-pull")),
        Arguments.of("SA selector, cached SA without label", List.of(BUILDERS), labelled, sa("team-a", "ci", Map.of()), pod("ci", Map.of()), List.of()),
        Arguments.of("all SAs", List.of(NAMED_ALL_SAS), labelled, null, pod("anything", Map.of()), List.of("quay-pull")),
        Arguments.of("own namespace by default", List.of(OWN_NS), labelled, null, pod(null, Map.of()), List.of("ghcr-pull")),
        Arguments.of("own namespace only", List.of(OWN_NS), ns("team-b", PULL), null, pod(null, Map.of()), List.of()),
        Arguments.of("untrusted credential targeting others: not permitted", List.of(UNTRUSTED_OTHER), labelled, null, pod(null, Map.of()), List.of()),
        Arguments.of("invalid spec (two providers)", List.of(TWO_PROVIDERS), labelled, null, pod(null, Map.of()), List.of()),
        Arguments.of("credential being deleted", List.of(DELETING), labelled, null, pod(null, Map.of()), List.of()),
        Arguments.of("namespace opted out", List.of(BY_LABEL), ns("team-a", Map.of("pull", "yes", PodInjection.INJECT_LABEL, "false")), null,
            pod(null, Map.of()), List.of()),
        Arguments.of("pod opted out", List.of(BY_LABEL), labelled, null, pod(null, Map.of(PodInjection.INJECT_LABEL, "false")), List.of()),
        Arguments.of("several credentials, sorted, deduplicated, partial", List.of(OWN_NS, NAMED_ALL_SAS, BY_LABEL, rc("team-a", "dup", "ghcr-pull", null, null)),
            labelled, null, pod(null, Map.of(), "quay-pull"), List.of("ecr-pull", "ghcr-pull")),
        Arguments.of("no credentials", List.of(), labelled, null, pod(null, Map.of()), List.of()),
        // ClusterRegistryCredentials: the same rules (SpecCheck.servingRules), with their own.
        Arguments.of("cluster credential, selected namespace", List.of(CLUSTER), labelled, null, pod(null, Map.of()), List.of("cluster-pull")),
        Arguments.of("cluster credential, untargeted namespace", List.of(CLUSTER), plain, null, pod(null, Map.of()), List.of()),
        Arguments.of("cluster credential reading a namespace not allowed: not served", List.of(CLUSTER_TENANT_SOURCE), labelled, null,
            pod(null, Map.of()), List.of()),
        Arguments.of("cluster credential without targets: not served", List.of(CLUSTER_NO_TARGETS), labelled, null,
            pod(null, Map.of()), List.of()),
        Arguments.of("cluster credentials first, then by namespace", List.of(BY_LABEL, CLUSTER), labelled, null,
            pod(null, Map.of()), List.of("cluster-pull", "ecr-pull")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decides(String description, List<CredentialResource<?>> credentials, Namespace ns, ServiceAccount sa, Pod pod, List<String> expected) {
    PodInjection injection = new PodInjection(CONFIG, PodInjectionTest.PROVIDERS);
    PodInjection.Decision d = injection.decide(pod, ns.getMetadata().getName(), Optional.of(ns), Optional.ofNullable(sa), credentials);
    assertThat(d.add()).as(description).containsExactlyElementsOf(expected);
    // idempotent: applying the decision and deciding again adds nothing
    if (d.mutates()) {
      Pod after = new PodBuilder(pod).editSpec().addAllToImagePullSecrets(d.add().stream().map(LocalObjectReference::new).toList()).endSpec().build();
      assertThat(injection.decide(after, ns.getMetadata().getName(), Optional.of(ns), Optional.ofNullable(sa), credentials).add()).isEmpty();
    }
  }

  @Test
  void namespaceNotCachedOrNotWatchedIsLeftAlone() {
    PodInjection injection = new PodInjection(CONFIG, PodInjectionTest.PROVIDERS);
    assertThat(injection.decide(pod(null, Map.of()), "team-a", Optional.empty(), Optional.empty(), List.of(BY_LABEL)).reason())
        .isEqualTo("namespace not in cache");
    PodInjection watchingB = new PodInjection(new OperatorConfig("ops", Set.of("ops", "platform"), Set.of("team-b"), 0, false, "info", "text"), PROVIDERS);
    assertThat(watchingB.decide(pod(null, Map.of()), "team-a", Optional.of(ns("team-a", PULL)), Optional.empty(), List.of(BY_LABEL)).add()).isEmpty();
  }

  /**
   * A static pod's mirror pod has no ServiceAccount and may not reference Secrets (the API
   * server's ServiceAccount admission plugin refuses it), so it is never mutated: neither as the
   * {@code default} ServiceAccount's pod nor by a credential for every ServiceAccount.
   */
  @Test
  void mirrorPodsAreLeftUnchanged() {
    PodInjection injection = new PodInjection(CONFIG, PodInjectionTest.PROVIDERS);
    Namespace labelled = ns("team-a", PULL);
    Pod mirror = new PodBuilder(pod(null, Map.of())).editMetadata()
        .addToAnnotations(PodInjection.MIRROR_POD_ANNOTATION, "3f2a0c1e").endMetadata()
        .editSpec().withNodeName("node-1").endSpec().build();
    PodInjection.Decision d = injection.decide(mirror, "team-a", Optional.of(labelled), Optional.empty(), List.of(BY_LABEL, OWN_NS, NAMED_ALL_SAS));
    assertThat(d.add()).isEmpty();
    assertThat(d.jsonPatch()).isNull();
    assertThat(d.reason()).isEqualTo("mirror pod");
    // The same pod without the annotation gets all three.
    Pod plain = new PodBuilder(mirror).editMetadata().withAnnotations(Map.of()).endMetadata().build();
    assertThat(injection.decide(plain, "team-a", Optional.of(labelled), Optional.empty(), List.of(BY_LABEL, OWN_NS, NAMED_ALL_SAS)).add())
        .containsExactly("quay-pull", "ecr-pull", "ghcr-pull"); // by credential namespace, then name
  }

  @Test
  void jsonPatchAddsTheListOrAppendsToIt() {
    Namespace labelled = ns("team-a", PULL);
    PodInjection injection = new PodInjection(CONFIG, PodInjectionTest.PROVIDERS);
    assertThat(injection.decide(pod(null, Map.of()), "team-a", Optional.of(labelled), Optional.empty(), List.of(BY_LABEL, OWN_NS)).jsonPatch())
        .isEqualTo("[{\"op\":\"add\",\"path\":\"/spec/imagePullSecrets\",\"value\":[{\"name\":\"ecr-pull\"},{\"name\":\"ghcr-pull\"}]}]");
    assertThat(injection.decide(pod(null, Map.of(), "theirs"), "team-a", Optional.of(labelled), Optional.empty(), List.of(BY_LABEL)).jsonPatch())
        .isEqualTo("[{\"op\":\"add\",\"path\":\"/spec/imagePullSecrets\",\"value\":[{\"name\":\"theirs\"},{\"name\":\"ecr-pull\"}]}]");
    assertThat(injection.decide(pod(null, Map.of(), "ecr-pull"), "team-a", Optional.of(labelled), Optional.empty(), List.of(BY_LABEL)).jsonPatch())
        .isNull();
  }

  @Test
  void compiledRulesFollowTheResourceVersion() {
    PodInjection injection = new PodInjection(CONFIG, PodInjectionTest.PROVIDERS);
    Namespace labelled = ns("team-a", PULL);
    RegistryCredential rc = rc("platform", "ecr", "ecr-pull", targetSelector(PULL), null);
    assertThat(injection.decide(pod(null, Map.of()), "team-a", Optional.of(labelled), Optional.empty(), List.of(rc)).add()).containsExactly("ecr-pull");
    rc.getSpec().setSecretName("renamed");
    rc.getMetadata().setResourceVersion("2");
    assertThat(injection.decide(pod(null, Map.of()), "team-a", Optional.of(labelled), Optional.empty(), List.of(rc)).add()).containsExactly("renamed");
  }
}
