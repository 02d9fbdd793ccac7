package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** AWS access keys kept in a Secret. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AwsAccessKeysSpec {
  @Required
  @JsonPropertyDescription("Secret in this namespace with the keys 'accessKeyId' and 'secretAccessKey', and optionally 'sessionToken'.")
  private SecretReference secretRef;

  public SecretReference getSecretRef() {
    return secretRef;
  }

  public void setSecretRef(SecretReference secretRef) {
    this.secretRef = secretRef;
  }
}
