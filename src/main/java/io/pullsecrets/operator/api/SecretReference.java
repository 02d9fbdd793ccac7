package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A Secret in the RegistryCredential's own namespace. There is deliberately no namespace field. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretReference {
  @Required
  @JsonPropertyDescription("Name of a Secret in the RegistryCredential's own namespace.")
  @io.fabric8.generator.annotation.Size(max = 253)
  private String name;

  public SecretReference() {}

  public SecretReference(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }
}
