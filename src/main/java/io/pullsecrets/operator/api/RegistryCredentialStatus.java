package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RegistryCredentialStatus {
  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("The provider in use (static, dockerConfig, ecr, gcp, azure, harbor).")
  private String provider;

  @JsonPropertyDescription("Ready (summary), TokenValid, Synced, Verified, and the kstatus conditions Reconciling and Stalled when they apply.")
  private List<StatusCondition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Registries present in the replicated Secret.")
  private List<String> registries;

  @JsonPropertyDescription("When the current credential expires (RFC 3339); absent for credentials without expiry.")
  private String expiresAt;

  @JsonPropertyDescription("When the credential was last obtained from its provider (RFC 3339).")
  private String lastRefreshTime;

  @JsonPropertyDescription("When the next refresh is due (RFC 3339); absent when refresh follows source changes only.")
  private String nextRefreshTime;

  @JsonPropertyDescription("How many namespaces are targeted and how many hold the current Secret.")
  private NamespaceCounts namespaces;

  @JsonPropertyDescription("Namespaces that could not be synced, at most 20 (namespaces.failed has the full count).")
  private List<FailedNamespace> failedNamespaces;

  @JsonPropertyDescription("Image pulls this credential should have served that failed within the pull-health window (see the PullsHealthy condition).")
  private PullFailures pullFailures;

  public PullFailures getPullFailures() {
    return pullFailures;
  }

  public void setPullFailures(PullFailures pullFailures) {
    this.pullFailures = pullFailures;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getProvider() {
    return provider;
  }

  public void setProvider(String provider) {
    this.provider = provider;
  }

  public List<StatusCondition> getConditions() {
    return conditions;
  }

  public void setConditions(List<StatusCondition> conditions) {
    this.conditions = conditions;
  }

  public List<String> getRegistries() {
    return registries;
  }

  public void setRegistries(List<String> registries) {
    this.registries = registries;
  }

  public String getExpiresAt() {
    return expiresAt;
  }

  public void setExpiresAt(String expiresAt) {
    this.expiresAt = expiresAt;
  }

  public String getLastRefreshTime() {
    return lastRefreshTime;
  }

  public void setLastRefreshTime(String lastRefreshTime) {
    this.lastRefreshTime = lastRefreshTime;
  }

  public String getNextRefreshTime() {
    return nextRefreshTime;
  }

  public void setNextRefreshTime(String nextRefreshTime) {
    this.nextRefreshTime = nextRefreshTime;
  }

  public NamespaceCounts getNamespaces() {
    return namespaces;
  }

  public void setNamespaces(NamespaceCounts namespaces) {
    this.namespaces = namespaces;
  }

  public List<FailedNamespace> getFailedNamespaces() {
    return failedNamespaces;
  }

  public void setFailedNamespaces(List<FailedNamespace> failedNamespaces) {
    this.failedNamespaces = failedNamespaces;
  }
}
