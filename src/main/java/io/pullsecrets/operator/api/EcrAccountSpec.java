package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One AWS identity and the ECR registries it pulls from, an entry of {@code spec.provider.ecr.accounts}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = EcrProviderSpec.REGISTRIES_OR_PUBLIC_RULE, message = EcrProviderSpec.REGISTRIES_OR_PUBLIC_MESSAGE)
public class EcrAccountSpec {
  @JsonPropertyDescription(EcrProviderSpec.REGISTRIES_DESCRIPTION)
  @io.fabric8.generator.annotation.Size(max = 50)
  private List<String> registries;

  @JsonProperty("public")
  @JsonPropertyDescription(EcrProviderSpec.PUBLIC_DESCRIPTION)
  private Boolean publicRegistry;

  @Required
  @JsonPropertyDescription("The AWS identity of this account's calls: exactly one of accessKeys, webIdentity and ambient, optionally with assumeRole on top.")
  private EcrAuthSpec auth;

  public List<String> getRegistries() {
    return registries;
  }

  public void setRegistries(List<String> registries) {
    this.registries = registries;
  }

  @JsonProperty("public")
  public Boolean getPublic() {
    return publicRegistry;
  }

  @JsonProperty("public")
  public void setPublic(Boolean publicRegistry) {
    this.publicRegistry = publicRegistry;
  }

  public EcrAuthSpec getAuth() {
    return auth;
  }

  public void setAuth(EcrAuthSpec auth) {
    this.auth = auth;
  }

  /** Whether {@code public.ecr.aws} is asked for, by {@code public: true} or a registries entry. */
  @JsonIgnore
  public boolean wantsPublic() {
    return EcrProviderSpec.wantsPublic(publicRegistry, registries);
  }
}
