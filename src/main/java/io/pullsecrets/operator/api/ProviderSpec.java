package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Where the registry credentials come from: exactly one of the fields is set. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "[has(self.static), has(self.dockerConfig)].filter(x, x).size() == 1",
    message = "exactly one provider must be set")
public class ProviderSpec {
  @JsonProperty("static")
  @JsonPropertyDescription("Username and password (or token) from a Secret, for one registry.")
  private StaticProviderSpec staticProvider;

  @JsonPropertyDescription("An existing Secret holding a .dockerconfigjson, replicated as it is.")
  private DockerConfigProviderSpec dockerConfig;

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

  /** The names of the provider fields that are set, in declaration order. */
  @JsonIgnore
  public List<String> configured() {
    List<String> names = new ArrayList<>();
    if (staticProvider != null) names.add("static");
    if (dockerConfig != null) names.add("dockerConfig");
    return names;
  }
}
