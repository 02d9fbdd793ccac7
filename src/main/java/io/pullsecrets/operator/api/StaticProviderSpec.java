package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Username and password (or token) kept in a Secret, for one registry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StaticProviderSpec {
  @Required
  @JsonPropertyDescription("Registry host the credential is for, as it appears in image references (for example registry.example.com or ghcr.io).")
  @io.fabric8.generator.annotation.Size(max = 253)
  private String registry;

  @Required
  @JsonPropertyDescription("Secret in this namespace with the keys 'username' and 'password' (the password may be a token).")
  private SecretReference secretRef;

  public String getRegistry() {
    return registry;
  }

  public void setRegistry(String registry) {
    this.registry = registry;
  }

  public SecretReference getSecretRef() {
    return secretRef;
  }

  public void setSecretRef(SecretReference secretRef) {
    this.secretRef = secretRef;
  }
}
