package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Amazon ECR private registries: tokens from GetAuthorizationToken, one call per region per refresh. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EcrProviderSpec {
  @Required
  @JsonPropertyDescription("ECR registry hosts, for example 123456789012.dkr.ecr.eu-west-1.amazonaws.com. Accounts and regions may differ; the region is read from each host. All are rendered into the one .dockerconfigjson, with one GetAuthorizationToken call per region.")
  @io.fabric8.generator.annotation.Size(min = 1, max = 50)
  private List<String> registries;

  @Required
  @JsonPropertyDescription("The AWS identity used to call ECR: exactly one of accessKeys, webIdentity and ambient, optionally with assumeRole on top.")
  private EcrAuthSpec auth;

  public List<String> getRegistries() {
    return registries;
  }

  public void setRegistries(List<String> registries) {
    this.registries = registries;
  }

  public EcrAuthSpec getAuth() {
    return auth;
  }

  public void setAuth(EcrAuthSpec auth) {
    this.auth = auth;
  }
}
