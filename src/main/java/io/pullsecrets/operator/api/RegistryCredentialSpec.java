package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RegistryCredentialSpec {
  @Required
  @JsonPropertyDescription("Where the registry credentials come from: exactly one provider.")
  private ProviderSpec provider;

  /** An RFC 1123 subdomain, as the API server requires of Secret names. */
  public static final String SECRET_NAME_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  @Pattern(SECRET_NAME_PATTERN)
  @Size(max = 253)
  @JsonPropertyDescription("Name of the kubernetes.io/dockerconfigjson Secret written to every target namespace (default: the RegistryCredential's name): a DNS subdomain (RFC 1123), dot-separated labels of lowercase letters, digits and '-' that start and end with a letter or digit, at most 253 characters.")
  private String secretName;

  @JsonPropertyDescription("Namespaces that receive the Secret (default: only this RegistryCredential's namespace). Other namespaces may be targeted only from a trusted namespace.")
  private TargetsSpec targets;

  @JsonPropertyDescription("Service accounts that get the Secret in their imagePullSecrets (default: names: [default]).")
  private ServiceAccountsSpec serviceAccounts;

  @JsonPropertyDescription("When to mint a new token before the current one expires.")
  private RefreshSpec refresh;

  @JsonPropertyDescription("Probe the registry's /v2/ endpoint with each new credential and report the result in the Verified condition.")
  private Boolean verify;

  @JsonPropertyDescription("Delete a controller-owned pod (of a ReplicaSet, StatefulSet, Job or DaemonSet) whose image pull this credential should serve was refused for authentication and whose spec.imagePullSecrets lacks the Secret its ServiceAccount now carries, so that its controller creates it again with the Secret. Unset: the operator's default (PULLSECRET_HEAL_PODS_DEFAULT, chart value operator.healPodsDefault), off unless set; false turns it off for this credential whatever the default. Rate-limited; at most once per pod; never in namespaces labelled pullsecrets.io/inject=false. Needs the chart value rbac.healPods (delete on pods).")
  private Boolean healPods;

  public ProviderSpec getProvider() {
    return provider;
  }

  public void setProvider(ProviderSpec provider) {
    this.provider = provider;
  }

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public TargetsSpec getTargets() {
    return targets;
  }

  public void setTargets(TargetsSpec targets) {
    this.targets = targets;
  }

  public ServiceAccountsSpec getServiceAccounts() {
    return serviceAccounts;
  }

  public void setServiceAccounts(ServiceAccountsSpec serviceAccounts) {
    this.serviceAccounts = serviceAccounts;
  }

  public RefreshSpec getRefresh() {
    return refresh;
  }

  public void setRefresh(RefreshSpec refresh) {
    this.refresh = refresh;
  }

  public Boolean getVerify() {
    return verify;
  }

  public void setVerify(Boolean verify) {
    this.verify = verify;
  }

  public Boolean getHealPods() {
    return healPods;
  }

  public void setHealPods(Boolean healPods) {
    this.healPods = healPods;
  }
}
