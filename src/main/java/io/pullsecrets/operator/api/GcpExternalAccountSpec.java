package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** An external account (workload identity federation) credential configuration. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GcpExternalAccountSpec {
  @Required
  @JsonPropertyDescription("Secret in this namespace holding the credential configuration JSON (type external_account), as written by gcloud iam workload-identity-pools create-cred-config.")
  private SecretReference secretRef;

  @JsonPropertyDescription("Key in the Secret (default: credential-configuration.json).")
  private String key;

  @JsonPropertyDescription("Service account in this namespace whose token (TokenRequest API) is the subject token; it must opt in with the annotation pullsecrets.io/allowed-credentials listing this RegistryCredential (or *). When unset, the credential_source of the configuration is used, which only trusted namespaces may do.")
  private String serviceAccountName;

  @JsonPropertyDescription("Audience of the requested service account token (default: the configuration's audience with an https: prefix, the default allowed audience of a workload identity pool provider; outside trusted namespaces it must be that audience, with or without https:).")
  private String audience;

  public SecretReference getSecretRef() {
    return secretRef;
  }

  public void setSecretRef(SecretReference secretRef) {
    this.secretRef = secretRef;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public String getServiceAccountName() {
    return serviceAccountName;
  }

  public void setServiceAccountName(String serviceAccountName) {
    this.serviceAccountName = serviceAccountName;
  }

  public String getAudience() {
    return audience;
  }

  public void setAudience(String audience) {
    this.audience = audience;
  }
}
