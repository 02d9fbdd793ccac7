package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class NamespaceCounts {
  @JsonPropertyDescription("Namespaces the RegistryCredential targets.")
  private int targeted;

  @JsonPropertyDescription("Target namespaces holding the current Secret, with their service accounts patched.")
  private int synced;

  @JsonPropertyDescription("Target namespaces that could not be synced.")
  private int failed;

  @JsonPropertyDescription("synced/targeted, for kubectl get.")
  private String summary;

  public NamespaceCounts() {}

  public NamespaceCounts(int targeted, int synced, int failed) {
    this.targeted = targeted;
    this.synced = synced;
    this.failed = failed;
    this.summary = synced + "/" + targeted;
  }

  public int getTargeted() {
    return targeted;
  }

  public void setTargeted(int targeted) {
    this.targeted = targeted;
  }

  public int getSynced() {
    return synced;
  }

  public void setSynced(int synced) {
    this.synced = synced;
  }

  public int getFailed() {
    return failed;
  }

  public void setFailed(int failed) {
    this.failed = failed;
  }

  public String getSummary() {
    return summary;
  }

  public void setSummary(String summary) {
    this.summary = summary;
  }
}
