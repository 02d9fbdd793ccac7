package io.pullsecrets.operator.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.pullsecrets.operator.api.AzureProviderSpec;
import io.pullsecrets.operator.api.LabelSelectorRequirementSpec;
import io.pullsecrets.operator.api.LabelSelectorSpec;
import io.pullsecrets.operator.api.ProviderKind;
import io.pullsecrets.operator.api.RefreshSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.ServiceAccountsSpec;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.webhook.PodInjection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The admission webhook and the reconciler answer "does this credential serve this ServiceAccount
 * in this namespace?" alike, on every row: tenancy, exclusions, selectors, invalid specs, a
 * provider this operator lacks. The reconciler's side is what its phases call (the spec check,
 * the tenancy rule, target resolution); the webhook's side is its decision for a pod under that
 * ServiceAccount.
 */
class ServingAgreementTest {
  static final OperatorConfig CONFIG = new OperatorConfig("ops", Set.of("ops", "platform"), Set.of(), 0, false, "info", "text");
  static final OperatorConfig WATCHING_TEAM_A = new OperatorConfig("ops", Set.of("ops", "platform"), Set.of("team-a", "platform"), 0,
      false, "info", "text");
  static final ProviderRegistry ALL = Fixtures.providerOfEveryKind();
  static final ProviderRegistry NO_AZURE = new ProviderRegistry(ALL.providers().stream()
      .filter(p -> p.kind() != ProviderKind.AZURE).toList());

  /** A static credential in {@code ns}, changed by {@code edit}. */
  static RegistryCredential credential(String ns, Consumer<RegistryCredential> edit) {
    RegistryCredential rc = CredentialBuilder.staticLogin(ns, "example", "registry.example.com", "robot").stored("uid-" + ns).build();
    edit.accept(rc);
    return rc;
  }

  static Consumer<RegistryCredential> targets(List<String> names, Map<String, String> selector, List<String> excluded) {
    return rc -> {
      TargetsSpec t = new TargetsSpec();
      t.setNamespaces(names);
      if (selector != null) {
        LabelSelectorSpec s = new LabelSelectorSpec();
        s.setMatchLabels(selector);
        t.setNamespaceSelector(s);
      }
      t.setExcludeNamespaces(excluded);
      rc.getSpec().setTargets(t);
    };
  }

  static Consumer<RegistryCredential> serviceAccounts(List<String> names, Boolean all, Map<String, String> selector) {
    return rc -> {
      ServiceAccountsSpec s = new ServiceAccountsSpec();
      s.setNames(names);
      s.setAll(all);
      if (selector != null) {
        LabelSelectorSpec l = new LabelSelectorSpec();
        l.setMatchLabels(selector);
        s.setSelector(l);
      }
      rc.getSpec().setServiceAccounts(s);
    };
  }

  static Namespace ns(String name, Map<String, String> labels) {
    return new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build();
  }

  static ServiceAccount sa(String ns, String name, Map<String, String> labels) {
    return new ServiceAccountBuilder().withNewMetadata().withNamespace(ns).withName(name).withLabels(labels).endMetadata().build();
  }

  static Arguments row(String what, OperatorConfig config, ProviderRegistry providers, RegistryCredential rc, Namespace ns,
      ServiceAccount sa, boolean served) {
    return Arguments.of(what, config, providers, rc, ns, sa, served);
  }

  static Stream<Arguments> rows() {
    Namespace teamA = ns("team-a", Map.of("pulls", "yes"));
    Namespace teamB = ns("team-b", Map.of());
    Namespace platform = ns("platform", Map.of());
    Namespace tenant = ns("tenant", Map.of());
    Namespace terminating = new NamespaceBuilder(teamA).editMetadata().withDeletionTimestamp("2026-12-01T00:00:00Z").endMetadata().build();
    ServiceAccount defaultA = sa("team-a", "default", Map.of());
    ServiceAccount builderA = sa("team-a", "builder", Map.of("ci", "true"));
    LabelSelectorRequirementSpec badOperator = new LabelSelectorRequirementSpec();
    badOperator.setKey("pulls");
    badOperator.setOperator("Sometimes");
    badOperator.setValues(List.of("yes"));
    return Stream.of(
        row("own namespace, default ServiceAccount", CONFIG, ALL, credential("tenant", rc -> {}), tenant, sa("tenant", "default", Map.of()), true),
        row("own namespace, a ServiceAccount not named", CONFIG, ALL, credential("tenant", rc -> {}), tenant, sa("tenant", "builder", Map.of()), false),
        row("trusted, listed namespace", CONFIG, ALL, credential("platform", targets(List.of("team-a"), null, null)), teamA, defaultA, true),
        row("trusted, namespace not listed", CONFIG, ALL, credential("platform", targets(List.of("team-a"), null, null)), teamB,
            sa("team-b", "default", Map.of()), false),
        row("trusted, listed but excluded", CONFIG, ALL, credential("platform", targets(List.of("team-a"), null, List.of("team-a"))), teamA,
            defaultA, false),
        row("trusted, selected by label", CONFIG, ALL, credential("platform", targets(null, Map.of("pulls", "yes"), null)), teamA, defaultA, true),
        row("trusted, selector does not match", CONFIG, ALL, credential("platform", targets(null, Map.of("pulls", "yes"), null)), teamB,
            sa("team-b", "default", Map.of()), false),
        row("trusted, selected but excluded", CONFIG, ALL, credential("platform", targets(null, Map.of("pulls", "yes"), List.of("team-a"))),
            teamA, defaultA, false),
        row("trusted, terminating namespace", CONFIG, ALL, credential("platform", targets(List.of("team-a"), null, null)), terminating,
            defaultA, false),
        row("trusted, namespace not watched", WATCHING_TEAM_A, ALL, credential("platform", targets(List.of("team-b"), null, null)), teamB,
            sa("team-b", "default", Map.of()), false),
        row("untrusted namespace asks for another (NotPermitted)", CONFIG, ALL, credential("tenant", targets(List.of("team-a"), null, null)),
            teamA, defaultA, false),
        row("untrusted namespace with a selector (NotPermitted)", CONFIG, ALL, credential("tenant", targets(null, Map.of("pulls", "yes"), null)),
            teamA, defaultA, false),
        row("untrusted namespace lists only itself", CONFIG, ALL, credential("tenant", targets(List.of("tenant"), null, null)), tenant,
            sa("tenant", "default", Map.of()), true),
        row("ServiceAccounts: all", CONFIG, ALL, credential("platform", rc -> {
          targets(List.of("team-a"), null, null).accept(rc);
          serviceAccounts(null, true, null).accept(rc);
        }), teamA, builderA, true),
        row("ServiceAccounts: selector matches", CONFIG, ALL, credential("platform", rc -> {
          targets(List.of("team-a"), null, null).accept(rc);
          serviceAccounts(null, null, Map.of("ci", "true")).accept(rc);
        }), teamA, builderA, true),
        row("ServiceAccounts: selector does not match", CONFIG, ALL, credential("platform", rc -> {
          targets(List.of("team-a"), null, null).accept(rc);
          serviceAccounts(null, null, Map.of("ci", "true")).accept(rc);
        }), teamA, defaultA, false),
        row("invalid namespace selector", CONFIG, ALL, credential("platform", rc -> {
          targets(null, null, null).accept(rc);
          LabelSelectorSpec s = new LabelSelectorSpec();
          s.setMatchExpressions(List.of(badOperator));
          rc.getSpec().getTargets().setNamespaceSelector(s);
        }), teamA, defaultA, false),
        row("invalid Secret name", CONFIG, ALL, credential("tenant", rc -> rc.getSpec().setSecretName("Not_A_Name")), tenant,
            sa("tenant", "default", Map.of()), false),
        row("invalid refresh.before", CONFIG, ALL, credential("tenant", rc -> {
          RefreshSpec r = new RefreshSpec();
          r.setBefore("150%");
          rc.getSpec().setRefresh(r);
        }), tenant, sa("tenant", "default", Map.of()), false),
        row("two providers", CONFIG, ALL, credential("tenant", rc -> rc.getSpec().getProvider().setAzure(new AzureProviderSpec())), tenant,
            sa("tenant", "default", Map.of()), false),
        row("no provider", CONFIG, ALL, credential("tenant", rc -> rc.getSpec().getProvider().setStatic(null)), tenant,
            sa("tenant", "default", Map.of()), false),
        row("a provider this operator lacks", CONFIG, NO_AZURE, credential("tenant", rc -> {
          rc.getSpec().getProvider().setStatic(null);
          rc.getSpec().getProvider().setAzure(new AzureProviderSpec());
        }), tenant, sa("tenant", "default", Map.of()), false),
        row("being deleted", CONFIG, ALL, credential("tenant", rc -> rc.getMetadata().setDeletionTimestamp("2026-12-01T00:00:00Z")), tenant,
            sa("tenant", "default", Map.of()), false));
  }

  /** What the reconciler's phases make of it: check, tenancy, targets; then the ServiceAccount rule. */
  static boolean reconcilerServes(RegistryCredential rc, ProviderRegistry providers, OperatorConfig config, Namespace ns,
      ServiceAccount sa) {
    if (rc.getMetadata().getDeletionTimestamp() != null) {
      return false; // the cleanup runs instead
    }
    SpecCheck.Checked checked;
    try {
      checked = SpecCheck.check(rc, providers, () -> List.of(ns), config);
    } catch (SpecCheck.InvalidSpec e) {
      return false;
    }
    if (SpecCheck.notPermitted(rc, config).isPresent()) {
      return false;
    }
    Targets targets = checked.targets().get();
    return targets.namespaces().contains(ns.getMetadata().getName()) && targets.serviceAccounts().test(sa);
  }

  static boolean webhookServes(RegistryCredential rc, ProviderRegistry providers, OperatorConfig config, Namespace ns, ServiceAccount sa) {
    Pod pod = new PodBuilder().withNewMetadata().withName("web").withNamespace(ns.getMetadata().getName()).endMetadata()
        .withNewSpec().withServiceAccountName(sa.getMetadata().getName()).endSpec().build();
    PodInjection.Decision d = new PodInjection(config, providers)
        .decide(pod, ns.getMetadata().getName(), Optional.of(ns), Optional.of(sa), List.of(rc));
    return d.add().contains(SpecCheck.secretName(rc));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void theWebhookAndTheReconcilerAgree(String what, OperatorConfig config, ProviderRegistry providers, RegistryCredential rc,
      Namespace ns, ServiceAccount sa, boolean served) {
    assertThat(reconcilerServes(rc, providers, config, ns, sa)).as("reconciler").isEqualTo(served);
    assertThat(webhookServes(rc, providers, config, ns, sa)).as("webhook").isEqualTo(served);
  }

  static {
    // Every kind is registered in ALL: a row's refusal is never about a missing provider unless it says so.
    assertThat(ALL.providers().stream().map(CredentialProvider::kind)).containsExactly(ProviderKind.values());
  }
}
