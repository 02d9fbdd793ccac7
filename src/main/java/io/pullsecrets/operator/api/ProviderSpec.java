package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Where the registry credentials come from: exactly one of the fields is set. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = ProviderKind.ONE_PROVIDER_RULE, message = "exactly one provider must be set")
public class ProviderSpec {
  @JsonProperty("static")
  @JsonPropertyDescription("Username and password (or token) from a Secret, for one registry.")
  private StaticProviderSpec staticProvider;

  @JsonPropertyDescription("An existing Secret holding a .dockerconfigjson, replicated as it is.")
  private DockerConfigProviderSpec dockerConfig;

  @JsonPropertyDescription("Amazon ECR private registries (username AWS, token from GetAuthorizationToken, about 12 hours).")
  private EcrProviderSpec ecr;

  @JsonPropertyDescription("Google Artifact Registry or Container Registry (username oauth2accesstoken, an OAuth2 access token, about 1 hour).")
  private GcpProviderSpec gcp;

  @JsonPropertyDescription("Azure Container Registry (username 00000000-0000-0000-0000-000000000000, an ACR refresh token, about 3 hours).")
  private AzureProviderSpec azure;

  @JsonPropertyDescription("A Harbor robot account: the operator rotates the robot's secret with an admin's login and renders the robot's login.")
  private HarborProviderSpec harbor;

  @JsonPropertyDescription("A GitLab project or group access token (read_registry) that the operator creates, rotates before it expires and revokes on deletion, with an admin token.")
  private GitLabProviderSpec gitlab;

  @JsonProperty("static")
  public StaticProviderSpec getStatic() {
    return staticProvider;
  }

  @JsonProperty("static")
  public void setStatic(StaticProviderSpec staticProvider) {
    this.staticProvider = staticProvider;
  }

  public DockerConfigProviderSpec getDockerConfig() {
    return dockerConfig;
  }

  public void setDockerConfig(DockerConfigProviderSpec dockerConfig) {
    this.dockerConfig = dockerConfig;
  }

  public EcrProviderSpec getEcr() {
    return ecr;
  }

  public void setEcr(EcrProviderSpec ecr) {
    this.ecr = ecr;
  }

  public GcpProviderSpec getGcp() {
    return gcp;
  }

  public void setGcp(GcpProviderSpec gcp) {
    this.gcp = gcp;
  }

  public AzureProviderSpec getAzure() {
    return azure;
  }

  public void setAzure(AzureProviderSpec azure) {
    this.azure = azure;
  }

  public HarborProviderSpec getHarbor() {
    return harbor;
  }

  public void setHarbor(HarborProviderSpec harbor) {
    this.harbor = harbor;
  }

  public GitLabProviderSpec getGitlab() {
    return gitlab;
  }

  public void setGitlab(GitLabProviderSpec gitlab) {
    this.gitlab = gitlab;
  }

  /** The names of the provider fields that are set, in {@link ProviderKind} order. */
  @JsonIgnore
  public List<String> configured() {
    return ProviderKind.setIn(this).stream().map(ProviderKind::field).toList();
  }
}
