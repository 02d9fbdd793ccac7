package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** An existing docker config Secret whose contents are replicated as they are. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DockerConfigProviderSpec {
  @Required
  @JsonPropertyDescription("Secret in this namespace with the key '.dockerconfigjson'; its contents are passed through unchanged.")
  private SecretReference secretRef;

  public SecretReference getSecretRef() {
    return secretRef;
  }

  public void setSecretRef(SecretReference secretRef) {
    this.secretRef = secretRef;
  }
}
