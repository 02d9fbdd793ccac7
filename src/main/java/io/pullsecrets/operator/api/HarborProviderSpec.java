package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A Harbor robot account whose secret the operator rotates through Harbor's v2.0 API
 * ({@code PATCH /api/v2.0/robots/{id}}), with an admin's (or project admin's) login from a Secret.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HarborProviderSpec {
  @Required
  @Pattern("^https?://[^/?#@]+/?$")
  @io.fabric8.generator.annotation.Size(max = 260)
  @JsonPropertyDescription("Harbor's base URL, https://host[:port] (the API is under /api/v2.0). The admin login is sent"
      + " to this host only; plain http only for hosts an administrator allowed.")
  private String url;

  @Required
  @io.fabric8.generator.annotation.Min(1)
  @JsonPropertyDescription("ID of the robot account (Harbor's robot_id, as in /api/v2.0/robots/{robot_id}).")
  private Long robotId;

  @Required
  @JsonPropertyDescription("Secret in this namespace with the keys 'username' and 'password' of a Harbor user that may"
      + " refresh the robot's secret (a system admin, or a project admin for a project robot).")
  private SecretReference adminSecretRef;

  @io.fabric8.generator.annotation.Size(max = 253)
  @JsonPropertyDescription("Registry host the robot's login is for, as in image references (default: the host[:port] of url).")
  private String registry;

  @Pattern("^[0-9]+(m|h)$")
  @ValidationRule(value = "duration(self) >= duration('10m')", message = "rotateEvery must be at least 10m")
  @io.fabric8.generator.annotation.Size(max = 16)
  @JsonPropertyDescription("How long a robot secret serves before the next rotation is due (default 24h); the robot's own"
      + " expiry caps it. The refresh (spec.refresh.before) happens ahead of it.")
  private String rotateEvery;

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public Long getRobotId() {
    return robotId;
  }

  public void setRobotId(Long robotId) {
    this.robotId = robotId;
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

  public String getRotateEvery() {
    return rotateEvery;
  }

  public void setRotateEvery(String rotateEvery) {
    this.rotateEvery = rotateEvery;
  }
}
