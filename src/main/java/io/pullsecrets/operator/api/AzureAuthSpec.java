package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** The Entra identity used to obtain the token for ACR. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "[has(self.clientSecret), has(self.clientCertificate), has(self.workloadIdentity), has(self.managedIdentity)].filter(x, x).size() == 1", message = "exactly one of clientSecret, clientCertificate, workloadIdentity and managedIdentity must be set")
public class AzureAuthSpec {
  @JsonPropertyDescription("An application (service principal) client secret from a Secret in this namespace.")
  private AzureClientSecretSpec clientSecret;

  @JsonPropertyDescription("An application (service principal) certificate and private key from a Secret in this namespace.")
  private AzureClientCertificateSpec clientCertificate;

  @JsonPropertyDescription("Workload identity federation: the operator requests a token for a service account in this namespace (TokenRequest API, audience api://AzureADTokenExchange) and presents it as a client assertion.")
  private AzureWorkloadIdentitySpec workloadIdentity;

  @JsonPropertyDescription("The operator's own identity (its workload identity or the node's managed identity). Allowed only in the operator's trusted namespaces.")
  private AzureManagedIdentitySpec managedIdentity;

  public AzureClientSecretSpec getClientSecret() {
    return clientSecret;
  }

  public void setClientSecret(AzureClientSecretSpec clientSecret) {
    this.clientSecret = clientSecret;
  }

  public AzureClientCertificateSpec getClientCertificate() {
    return clientCertificate;
  }

  public void setClientCertificate(AzureClientCertificateSpec clientCertificate) {
    this.clientCertificate = clientCertificate;
  }

  public AzureWorkloadIdentitySpec getWorkloadIdentity() {
    return workloadIdentity;
  }

  public void setWorkloadIdentity(AzureWorkloadIdentitySpec workloadIdentity) {
    this.workloadIdentity = workloadIdentity;
  }

  public AzureManagedIdentitySpec getManagedIdentity() {
    return managedIdentity;
  }

  public void setManagedIdentity(AzureManagedIdentitySpec managedIdentity) {
    this.managedIdentity = managedIdentity;
  }
}
