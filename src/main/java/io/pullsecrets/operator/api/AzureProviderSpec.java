package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Azure Container Registry: an Entra token exchanged at https://<registry>/oauth2/exchange for an ACR refresh token. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AzureProviderSpec {
  @Required
  @JsonPropertyDescription("ACR login server, for example myregistry.azurecr.io.")
  @io.fabric8.generator.annotation.Size(max = 253)
  private String registry;

  @Required
  @JsonPropertyDescription("Entra tenant (directory) ID of the identity.")
  @io.fabric8.generator.annotation.Size(max = 253)
  private String tenantId;

  @Required
  @JsonPropertyDescription("The Entra identity: exactly one of clientSecret, clientCertificate, workloadIdentity and managedIdentity.")
  private AzureAuthSpec auth;

  @JsonPropertyDescription("Scope of the Entra token presented to the registry (default: https://management.azure.com/.default; use https://containerregistry.azure.net/.default for registries with ABAC repository permissions).")
  @io.fabric8.generator.annotation.Size(max = 253)
  private String scope;

  public String getRegistry() {
    return registry;
  }

  public void setRegistry(String registry) {
    this.registry = registry;
  }

  public String getTenantId() {
    return tenantId;
  }

  public void setTenantId(String tenantId) {
    this.tenantId = tenantId;
  }

  public AzureAuthSpec getAuth() {
    return auth;
  }

  public void setAuth(AzureAuthSpec auth) {
    this.auth = auth;
  }

  public String getScope() {
    return scope;
  }

  public void setScope(String scope) {
    this.scope = scope;
  }
}
