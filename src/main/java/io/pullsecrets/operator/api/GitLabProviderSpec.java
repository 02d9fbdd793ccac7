package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A GitLab project or group access token with the {@code read_registry} scope that the operator
 * creates, rotates through GitLab's rotate endpoint before it expires, and revokes when the
 * RegistryCredential is deleted, with an administrator's token from a Secret.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.project) != has(self.group)", message = "exactly one of project and group must be set")
public class GitLabProviderSpec {
  @Required
  @Pattern("^https?://[^/?#@]+/?$")
  @io.fabric8.generator.annotation.Size(max = 260)
  @JsonPropertyDescription("GitLab's base URL, https://host[:port] (the API is under /api/v4). The admin token is sent to"
      + " this host only; plain http only for hosts an administrator allowed.")
  private String url;

  @Pattern("^[A-Za-z0-9._/-]+$")
  @io.fabric8.generator.annotation.Size(max = 255)
  @JsonPropertyDescription("The project whose access token is used: its numeric ID or full path (group/project).")
  private String project;

  @Pattern("^[A-Za-z0-9._/-]+$")
  @io.fabric8.generator.annotation.Size(max = 255)
  @JsonPropertyDescription("The group whose access token is used (all its projects' registries): its numeric ID or full path.")
  private String group;

  @Required
  @JsonPropertyDescription("Secret in this namespace with the key 'token': a personal access token with the api scope of a"
      + " user who may manage the project's or group's access tokens (Maintainer or Owner). It creates, rotates and"
      + " revokes the pull token and is never replicated.")
  private SecretReference adminSecretRef;

  @Required
  @io.fabric8.generator.annotation.Size(max = 253)
  @JsonPropertyDescription("Registry host of GitLab's container registry, as in image references (registry.gitlab.com,"
      + " registry.example.com, gitlab.example.com:5050).")
  private String registry;

  @io.fabric8.generator.annotation.Min(2)
  @io.fabric8.generator.annotation.Max(365)
  @JsonPropertyDescription("Days a pull token lives (default 7, 2 to 365): each rotation asks for expires_at today + this"
      + " many days, and the token expires at 00:00 UTC that day. The refresh (spec.refresh.before) rotates it ahead.")
  private Integer lifetimeDays;

  @io.fabric8.generator.annotation.Size(max = 64)
  @JsonPropertyDescription("Username in the rendered login (default pullsecret-operator; GitLab's registry checks the token only).")
  private String username;

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public String getProject() {
    return project;
  }

  public void setProject(String project) {
    this.project = project;
  }

  public String getGroup() {
    return group;
  }

  public void setGroup(String group) {
    this.group = group;
  }

  public SecretReference getAdminSecretRef() {
    return adminSecretRef;
  }

  public void setAdminSecretRef(SecretReference adminSecretRef) {
    this.adminSecretRef = adminSecretRef;
  }

  public String getRegistry() {
    return registry;
  }

  public void setRegistry(String registry) {
    this.registry = registry;
  }

  public Integer getLifetimeDays() {
    return lifetimeDays;
  }

  public void setLifetimeDays(Integer lifetimeDays) {
    this.lifetimeDays = lifetimeDays;
  }

  public String getUsername() {
    return username;
  }

  public void setUsername(String username) {
    this.username = username;
  }
}
