package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** The AWS identity for ECR: exactly one base identity, optionally followed by assumeRole. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "[has(self.accessKeys), has(self.webIdentity), has(self.ambient)].filter(x, x).size() == 1", message = "exactly one of accessKeys, webIdentity and ambient must be set")
public class EcrAuthSpec {
  @JsonPropertyDescription("Long-lived or temporary access keys from a Secret in this namespace.")
  private AwsAccessKeysSpec accessKeys;

  @JsonPropertyDescription("Web identity: the operator requests a token for a service account in this namespace (TokenRequest API, audience sts.amazonaws.com) and trades it at STS AssumeRoleWithWebIdentity.")
  private AwsWebIdentitySpec webIdentity;

  @JsonPropertyDescription("The operator's own identity (the AWS SDK default chain: IRSA, EKS Pod Identity, instance role). Allowed only in the operator's trusted namespaces.")
  private AmbientSpec ambient;

  @JsonPropertyDescription("A role assumed with STS AssumeRole using the base identity, for example to reach another account.")
  private AwsAssumeRoleSpec assumeRole;

  public AwsAccessKeysSpec getAccessKeys() {
    return accessKeys;
  }

  public void setAccessKeys(AwsAccessKeysSpec accessKeys) {
    this.accessKeys = accessKeys;
  }

  public AwsWebIdentitySpec getWebIdentity() {
    return webIdentity;
  }

  public void setWebIdentity(AwsWebIdentitySpec webIdentity) {
    this.webIdentity = webIdentity;
  }

  public AmbientSpec getAmbient() {
    return ambient;
  }

  public void setAmbient(AmbientSpec ambient) {
    this.ambient = ambient;
  }

  public AwsAssumeRoleSpec getAssumeRole() {
    return assumeRole;
  }

  public void setAssumeRole(AwsAssumeRoleSpec assumeRole) {
    this.assumeRole = assumeRole;
  }
}
