package io.pullsecrets.operator.spec;

import io.pullsecrets.operator.api.Reasons;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialSpec;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderRegistry;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What a RegistryCredential asks for, checked: the first phases of a reconcile (is the spec
 * usable? may its namespace ask for this?) and, through {@link #servingRules}, the admission
 * webhook's answer to "would the reconciler serve this credential here?". Both call these same
 * functions, so they cannot disagree.
 */
public final class SpecCheck {
  private static final Pattern SECRET_NAME = Pattern.compile(RegistryCredentialSpec.SECRET_NAME_PATTERN);

  private SpecCheck() {}

  /**
   * A spec that passed the checks.
   *
   * @param targets resolves the target namespaces against the namespaces the operator sees (a walk
   *     over all of them: only passes that need it call it)
   */
  public record Checked(CredentialProvider provider, String secretName, RefreshSchedule schedule, Supplier<Targets> targets) {}

  /** The spec is not usable: the message says why, for the InvalidSpec condition. */
  public static final class InvalidSpec extends Exception {
    private final String reason;

    InvalidSpec(String message) {
      this(Reasons.INVALID_SPEC, message);
    }

    InvalidSpec(String reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }

    /** The condition's reason: InvalidSpec, or NotPermitted when an administrator could allow it. */
    public String reason() {
      return reason;
    }
  }

  /** The provider the spec configures, when it configures exactly one (status.provider). */
  public static String configuredProvider(CredentialResource<?> rc) {
    List<String> configured = configured(rc);
    return configured.size() == 1 ? configured.get(0) : null;
  }

  public static Checked check(CredentialResource<?> rc, ProviderRegistry providers, Supplier<Collection<Namespace>> namespaces,
      OperatorConfig config) throws InvalidSpec {
    if (rc.getSpec() == null) {
      throw new InvalidSpec("spec is missing");
    }
    CredentialProvider provider = provider(rc, providers);
    String secretName = checkedSecretName(rc);
    if (rc.clusterScoped()) {
      checkCluster(rc, config);
    }
    try {
      RefreshSchedule schedule = RefreshSchedule.of(rc.getSpec().getRefresh());
      Targets.namespaceRule(rc);
      Targets.serviceAccounts(rc.getSpec().getServiceAccounts());
      return new Checked(provider, secretName, schedule, () -> resolve(rc, namespaces.get(), config));
    } catch (LabelSelectors.InvalidSelectorException | RefreshSchedule.InvalidRefreshException e) {
      throw new InvalidSpec(e.getMessage());
    }
  }

  /**
   * What a ClusterRegistryCredential must say besides a RegistryCredential's: a source namespace
   * an administrator allowed (anything else is refused before any read there), and its targets
   * (it has no namespace of its own to default to).
   */
  private static void checkCluster(CredentialResource<?> rc, OperatorConfig config) throws InvalidSpec {
    String source = rc.sourceNamespace();
    if (source == null || source.isBlank()) {
      throw new InvalidSpec("spec.sourceNamespace is missing: name the namespace the source Secrets are read from");
    }
    if (!config.allowsClusterSource(source)) {
      throw new InvalidSpec(Reasons.NOT_PERMITTED, "spec.sourceNamespace '" + source + "' is not allowed: a ClusterRegistryCredential reads Secrets"
          + " only from the operator's namespace '" + config.namespace() + "' or a namespace an administrator lists in"
          + " PULLSECRET_CLUSTER_SOURCE_NAMESPACES (chart value operator.clusterSourceNamespaces); nothing was read there");
    }
    TargetsSpec targets = rc.getSpec().getTargets();
    if (targets == null || ((targets.getNamespaces() == null || targets.getNamespaces().isEmpty())
        && targets.getNamespaceSelector() == null)) {
      throw new InvalidSpec("spec.targets must name namespaces or a namespaceSelector: a ClusterRegistryCredential has no"
          + " namespace of its own");
    }
  }

  private static CredentialProvider provider(CredentialResource<?> rc, ProviderRegistry providers) throws InvalidSpec {
    List<String> configured = configured(rc);
    if (configured.size() != 1) {
      throw new InvalidSpec(configured.isEmpty()
          ? "spec.provider must set exactly one provider; none is set"
          : "spec.provider must set exactly one provider; found " + String.join(", ", configured));
    }
    return providers.forSpec(rc.getSpec().getProvider()).orElseThrow(() ->
        new InvalidSpec("provider '" + configured.get(0) + "' is not supported by this operator version"));
  }

  private static String checkedSecretName(CredentialResource<?> rc) throws InvalidSpec {
    String name = secretName(rc);
    if (name.length() > 253 || !validSecretName(name)) {
      throw new InvalidSpec("secret name '" + (name.length() > 70 ? name.substring(0, 67) + "..." : name)
          + "' is not a valid Secret name: it must be a DNS subdomain (RFC 1123), dot-separated labels of lowercase"
          + " letters, digits and '-' that start and end with a letter or digit, at most 253 characters");
    }
    return name;
  }

  /** The managed Secret's name: spec.secretName, else the resource's name. */
  public static String secretName(CredentialResource<?> rc) {
    String name = rc.getSpec().getSecretName();
    return name == null || name.isBlank() ? rc.getMetadata().getName() : name;
  }

  /** Whether {@code name} is a valid Secret name (what is accepted as spec.secretName). */
  public static boolean validSecretName(String name) {
    return name != null && SECRET_NAME.matcher(name).matches();
  }

  /**
   * Phase 2: the tenancy rule. Empty when the credential's namespace may ask for what it asks;
   * otherwise the NotPermitted message. A namespace the operator does not trust may target only
   * itself.
   */
  public static Optional<String> notPermitted(CredentialResource<?> rc, OperatorConfig config) {
    String own = rc.getMetadata().getNamespace();
    // A ClusterRegistryCredential may target any namespace: RBAC on the kind decides who creates one.
    if (rc.clusterScoped() || config.isTrusted(own) || !Targets.requestsOtherNamespaces(rc)) {
      return Optional.empty();
    }
    return Optional.of("namespace '" + own + "' is not trusted to target other namespaces; target only '" + own
        + "' or ask an administrator to add '" + own + "' to the operator's trusted namespaces");
  }

  /**
   * What the reconciler would serve of this credential, compiled: its Secret name, which
   * namespaces and which of their ServiceAccounts. Empty when it would serve nothing: being
   * deleted, an invalid spec ({@link #check}: providers, Secret name, refresh, selectors), or a
   * tenancy refusal ({@link #notPermitted}).
   */
  public static Optional<ServingRules> servingRules(CredentialResource<?> rc, ProviderRegistry providers, OperatorConfig config) {
    if (rc.getMetadata().getDeletionTimestamp() != null) {
      return Optional.empty();
    }
    try {
      Checked checked = check(rc, providers, List::of, config);
      if (notPermitted(rc, config).isPresent()) {
        return Optional.empty();
      }
      return Optional.of(new ServingRules(checked.secretName(), Targets.namespaceRule(rc),
          Targets.serviceAccounts(rc.getSpec().getServiceAccounts())));
    } catch (InvalidSpec | LabelSelectors.InvalidSelectorException e) {
      return Optional.empty();
    }
  }

  /**
   * A served credential's rules: the Secret {@code secretName} goes into the namespaces
   * {@code namespaces} matches, onto the ServiceAccounts {@code serviceAccounts} selects.
   */
  public record ServingRules(String secretName, Targets.NamespaceRule namespaces, Predicate<ServiceAccount> serviceAccounts) {
    /** Whether a ServiceAccount of this namespace carries (or a pod under it gets) the Secret. */
    public boolean serves(Namespace ns, ServiceAccount sa) {
      return namespaces.matches(ns) && serviceAccounts.test(sa);
    }
  }

  private static List<String> configured(CredentialResource<?> rc) {
    return rc.getSpec() == null || rc.getSpec().getProvider() == null ? List.of() : rc.getSpec().getProvider().configured();
  }

  private static Targets resolve(CredentialResource<?> rc, Collection<Namespace> all, OperatorConfig config) {
    try {
      return Targets.resolve(rc, all, config);
    } catch (LabelSelectors.InvalidSelectorException e) {
      throw new IllegalStateException("checked above", e);
    }
  }
}
