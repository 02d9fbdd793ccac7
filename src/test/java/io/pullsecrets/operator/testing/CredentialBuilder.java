package io.pullsecrets.operator.testing;

import io.pullsecrets.operator.api.LabelSelectorSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.RefreshSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.ServiceAccountsSpec;
import io.pullsecrets.operator.api.TargetsSpec;
import java.util.List;
import java.util.Map;

/**
 * The one builder of the RegistryCredentials tests apply, field by field as a user writes them:
 *
 * <pre>
 * CredentialBuilder.staticLogin(PLATFORM_NS, "example", "registry.example.com", "robot")
 *     .secretName("regcred").targets(List.of("team-a")).build();
 * </pre>
 */
public final class CredentialBuilder {
  private final RegistryCredential rc;

  private CredentialBuilder(RegistryCredential rc) {
    this.rc = rc;
  }

  /** {@code ns/name} with this provider. */
  public static CredentialBuilder of(String ns, String name, ProviderSpec provider) {
    return new CredentialBuilder(Fixtures.credential(ns, name, provider));
  }

  /** Goes on editing {@code rc}. */
  public static CredentialBuilder of(RegistryCredential rc) {
    return new CredentialBuilder(rc);
  }

  /** {@code ns/name} with the static provider: {@code registry}, login from Secret {@code source} of {@code ns}. */
  public static CredentialBuilder staticLogin(String ns, String name, String registry, String source) {
    return new CredentialBuilder(Fixtures.staticCredential(ns, name, registry, source));
  }

  public CredentialBuilder secretName(String secretName) {
    rc.getSpec().setSecretName(secretName);
    return this;
  }

  /** Targets exactly these namespaces, by name. */
  public CredentialBuilder targets(List<String> namespaces) {
    TargetsSpec t = new TargetsSpec();
    t.setNamespaces(namespaces);
    return targets(t);
  }

  /** Targets the namespaces with these labels. */
  public CredentialBuilder selecting(Map<String, String> labels) {
    TargetsSpec t = new TargetsSpec();
    t.setNamespaceSelector(new LabelSelectorSpec(labels, null));
    return targets(t);
  }

  public CredentialBuilder targets(TargetsSpec targets) {
    rc.getSpec().setTargets(targets);
    return this;
  }

  public CredentialBuilder serviceAccounts(ServiceAccountsSpec serviceAccounts) {
    rc.getSpec().setServiceAccounts(serviceAccounts);
    return this;
  }

  /** The ServiceAccounts with these labels in each target namespace. */
  public CredentialBuilder serviceAccountsSelecting(Map<String, String> labels) {
    ServiceAccountsSpec selected = new ServiceAccountsSpec();
    selected.setSelector(new LabelSelectorSpec(labels, null));
    return serviceAccounts(selected);
  }

  /** Every ServiceAccount of each target namespace. */
  public CredentialBuilder allServiceAccounts() {
    ServiceAccountsSpec all = new ServiceAccountsSpec();
    all.setAll(true);
    return serviceAccounts(all);
  }

  /** {@code refresh.before}. */
  public CredentialBuilder refreshBefore(String before) {
    RefreshSpec refresh = rc.getSpec().getRefresh() == null ? new RefreshSpec() : rc.getSpec().getRefresh();
    refresh.setBefore(before);
    rc.getSpec().setRefresh(refresh);
    return this;
  }

  /** As read from a cache: with a uid and a resourceVersion, for the pure decisions that key by them. */
  public CredentialBuilder stored(String uid) {
    rc.getMetadata().setUid(uid);
    rc.getMetadata().setResourceVersion("1");
    return this;
  }

  public RegistryCredential build() {
    return rc;
  }
}
