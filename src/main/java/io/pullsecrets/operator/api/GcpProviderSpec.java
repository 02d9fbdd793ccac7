package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Google Artifact Registry and Container Registry: an OAuth2 access token with username oauth2accesstoken. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GcpProviderSpec {
  @Required
  @JsonPropertyDescription("Registry hosts, for example europe-docker.pkg.dev or gcr.io; all get the same access token.")
  @io.fabric8.generator.annotation.Size(min = 1, max = 50)
  private List<String> registries;

  @Required
  @JsonPropertyDescription("The Google identity: exactly one of serviceAccountKey, externalAccount and ambient.")
  private GcpAuthSpec auth;

  public List<String> getRegistries() {
    return registries;
  }

  public void setRegistries(List<String> registries) {
    this.registries = registries;
  }

  public GcpAuthSpec getAuth() {
    return auth;
  }

  public void setAuth(GcpAuthSpec auth) {
    this.auth = auth;
  }
}
