package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A service account token presented to Entra as a federated credential. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AzureWorkloadIdentitySpec {
  @Required
  @JsonPropertyDescription("Application (client) ID of the app registration or user-assigned managed identity with the federated credential.")
  private String clientId;

  @Required
  @JsonPropertyDescription("Service account in this namespace whose token is requested; it must opt in with the annotation pullsecrets.io/allowed-credentials listing this RegistryCredential (or *). The federated credential must name its issuer and subject system:serviceaccount:<namespace>:<name>.")
  private String serviceAccountName;

  @JsonPropertyDescription("Audience of the requested service account token (default: api://AzureADTokenExchange; outside trusted namespaces only it, api://AzureADTokenExchangeUSGov or api://AzureADTokenExchangeChina).")
  private String audience;

  public String getClientId() {
    return clientId;
  }

  public void setClientId(String clientId) {
    this.clientId = clientId;
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
