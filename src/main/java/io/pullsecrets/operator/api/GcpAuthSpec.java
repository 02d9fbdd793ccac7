package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** The Google identity used to mint the access token. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "[has(self.serviceAccountKey), has(self.externalAccount), has(self.ambient)].filter(x, x).size() == 1", message = "exactly one of serviceAccountKey, externalAccount and ambient must be set")
public class GcpAuthSpec {
  @JsonPropertyDescription("A service account key (JSON) from a Secret in this namespace.")
  private SecretKeySpec serviceAccountKey;

  @JsonPropertyDescription("Workload identity federation: an external account credential configuration (JSON) from a Secret in this namespace.")
  private GcpExternalAccountSpec externalAccount;

  @JsonPropertyDescription("The operator's own identity (application default credentials: GKE metadata server, GOOGLE_APPLICATION_CREDENTIALS). Allowed only in the operator's trusted namespaces.")
  private AmbientSpec ambient;

  public SecretKeySpec getServiceAccountKey() {
    return serviceAccountKey;
  }

  public void setServiceAccountKey(SecretKeySpec serviceAccountKey) {
    this.serviceAccountKey = serviceAccountKey;
  }

  public GcpExternalAccountSpec getExternalAccount() {
    return externalAccount;
  }

  public void setExternalAccount(GcpExternalAccountSpec externalAccount) {
    this.externalAccount = externalAccount;
  }

  public AmbientSpec getAmbient() {
    return ambient;
  }

  public void setAmbient(AmbientSpec ambient) {
    this.ambient = ambient;
  }
}
