package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** One key of a Secret in this namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretKeySpec {
  @Required
  @JsonPropertyDescription("Secret in this namespace.")
  private SecretReference secretRef;

  @JsonPropertyDescription("Key in the Secret (default: key.json).")
  private String key;

  public SecretReference getSecretRef() {
    return secretRef;
  }

  public void setSecretRef(SecretReference secretRef) {
    this.secretRef = secretRef;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }
}
