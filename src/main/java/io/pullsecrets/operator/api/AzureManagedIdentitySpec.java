package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The operator's own Azure identity. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AzureManagedIdentitySpec {
  @JsonPropertyDescription("Client ID of a user-assigned managed identity (default: the operator's workload identity if configured, else the system-assigned identity).")
  private String clientId;

  public String getClientId() {
    return clientId;
  }

  public void setClientId(String clientId) {
    this.clientId = clientId;
  }
}
