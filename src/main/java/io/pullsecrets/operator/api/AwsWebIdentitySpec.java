package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A Kubernetes service account token traded at STS AssumeRoleWithWebIdentity. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AwsWebIdentitySpec {
  @Required
  @JsonPropertyDescription("Service account in this namespace whose token is requested; it must opt in with the annotation pullsecrets.io/allowed-credentials listing this RegistryCredential (or *). The role's trust policy must accept it (its OIDC issuer, subject system:serviceaccount:<namespace>:<name> and audience).")
  private String serviceAccountName;

  @Required
  @JsonPropertyDescription("ARN of the IAM role to assume with the service account token.")
  private String roleArn;

  @JsonPropertyDescription("Audience of the requested service account token (default: sts.amazonaws.com, the only one allowed outside trusted namespaces; never an audience of the Kubernetes API server).")
  private String audience;

  public String getServiceAccountName() {
    return serviceAccountName;
  }

  public void setServiceAccountName(String serviceAccountName) {
    this.serviceAccountName = serviceAccountName;
  }

  public String getRoleArn() {
    return roleArn;
  }

  public void setRoleArn(String roleArn) {
    this.roleArn = roleArn;
  }

  public String getAudience() {
    return audience;
  }

  public void setAudience(String audience) {
    this.audience = audience;
  }
}
