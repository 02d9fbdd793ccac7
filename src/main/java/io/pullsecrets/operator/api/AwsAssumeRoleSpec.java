package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** An IAM role assumed on top of the base identity. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AwsAssumeRoleSpec {
  @Required
  @JsonPropertyDescription("ARN of the IAM role to assume.")
  private String roleArn;

  @JsonPropertyDescription("External ID required by the role's trust policy, if any.")
  private String externalId;

  public String getRoleArn() {
    return roleArn;
  }

  public void setRoleArn(String roleArn) {
    this.roleArn = roleArn;
  }

  public String getExternalId() {
    return externalId;
  }

  public void setExternalId(String externalId) {
    this.externalId = externalId;
  }
}
