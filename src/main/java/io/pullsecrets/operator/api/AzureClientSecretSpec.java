package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A service principal's client secret. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AzureClientSecretSpec {
  @Required
  @JsonPropertyDescription("Application (client) ID.")
  private String clientId;

  @Required
  @JsonPropertyDescription("Secret in this namespace with the key 'clientSecret'.")
  private SecretReference secretRef;

  public String getClientId() {
    return clientId;
  }

  public void setClientId(String clientId) {
    this.clientId = clientId;
  }

  public SecretReference getSecretRef() {
    return secretRef;
  }

  public void setSecretRef(SecretReference secretRef) {
    this.secretRef = secretRef;
  }
}
