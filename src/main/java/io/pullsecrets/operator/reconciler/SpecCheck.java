package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.Namespace;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialSpec;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderRegistry;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** Phase 1 of a reconcile: is the spec usable? Everything it needs later, checked once. */
final class SpecCheck {
  private static final Pattern SECRET_NAME = Pattern.compile(RegistryCredentialSpec.SECRET_NAME_PATTERN);

  private SpecCheck() {}

  /**
   * A spec that passed the checks.
   *
   * @param targets resolves the target namespaces against the namespaces the operator sees (a walk
   *     over all of them: only passes that need it call it)
   */
  record Checked(CredentialProvider provider, String secretName, RefreshSchedule schedule, Supplier<Targets> targets) {}

  /** The spec is not usable: the message says why, for the InvalidSpec condition. */
  static final class InvalidSpec extends Exception {
    InvalidSpec(String message) {
      super(message, null, false, false);
    }
  }

  /** The provider the spec configures, when it configures exactly one (status.provider). */
  static String configuredProvider(RegistryCredential rc) {
    List<String> configured = configured(rc);
    return configured.size() == 1 ? configured.get(0) : null;
  }

  static Checked check(RegistryCredential rc, ProviderRegistry providers, Supplier<Collection<Namespace>> namespaces,
      OperatorConfig config) throws InvalidSpec {
    if (rc.getSpec() == null) {
      throw new InvalidSpec("spec is missing");
    }
    CredentialProvider provider = provider(rc, providers);
    String secretName = secretName(rc);
    try {
      RefreshSchedule schedule = RefreshSchedule.of(rc.getSpec().getRefresh());
      Targets.namespaceRule(rc);
      Targets.serviceAccounts(rc.getSpec().getServiceAccounts());
      return new Checked(provider, secretName, schedule, () -> resolve(rc, namespaces.get(), config));
    } catch (LabelSelectors.InvalidSelectorException | RefreshSchedule.InvalidRefreshException e) {
      throw new InvalidSpec(e.getMessage());
    }
  }

  private static CredentialProvider provider(RegistryCredential rc, ProviderRegistry providers) throws InvalidSpec {
    List<String> configured = configured(rc);
    if (configured.size() != 1) {
      throw new InvalidSpec(configured.isEmpty()
          ? "spec.provider must set exactly one provider; none is set"
          : "spec.provider must set exactly one provider; found " + String.join(", ", configured));
    }
    return providers.forSpec(rc.getSpec().getProvider()).orElseThrow(() ->
        new InvalidSpec("provider '" + configured.get(0) + "' is not supported by this operator version"));
  }

  private static String secretName(RegistryCredential rc) throws InvalidSpec {
    String name = RegistryCredentialReconciler.secretName(rc);
    if (name.length() > 253 || !validSecretName(name)) {
      throw new InvalidSpec("secret name '" + (name.length() > 70 ? name.substring(0, 67) + "..." : name)
          + "' is not a valid Secret name: it must be a DNS subdomain (RFC 1123), dot-separated labels of lowercase"
          + " letters, digits and '-' that start and end with a letter or digit, at most 253 characters");
    }
    return name;
  }

  static boolean validSecretName(String name) {
    return name != null && SECRET_NAME.matcher(name).matches();
  }

  private static List<String> configured(RegistryCredential rc) {
    return rc.getSpec() == null || rc.getSpec().getProvider() == null ? List.of() : rc.getSpec().getProvider().configured();
  }

  private static Targets resolve(RegistryCredential rc, Collection<Namespace> all, OperatorConfig config) {
    try {
      return Targets.resolve(rc, all, config);
    } catch (LabelSelectors.InvalidSelectorException e) {
      throw new IllegalStateException("checked above", e);
    }
  }
}
