package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Namespaces that receive the pull secret. With none given, only the RegistryCredential's own namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TargetsSpec {
  @JsonPropertyDescription("Namespaces to replicate the Secret into, by name.")
  @io.fabric8.generator.annotation.Size(max = 1000)
  private List<String> namespaces;

  @JsonPropertyDescription("Namespaces to replicate the Secret into, by label (matchLabels and matchExpressions). Namespaces created later that match are covered too.")
  private LabelSelectorSpec namespaceSelector;

  @JsonPropertyDescription("Namespaces never to replicate into, even when listed or selected.")
  @io.fabric8.generator.annotation.Size(max = 1000)
  private List<String> excludeNamespaces;

  public List<String> getNamespaces() {
    return namespaces;
  }

  public void setNamespaces(List<String> namespaces) {
    this.namespaces = namespaces;
  }

  public LabelSelectorSpec getNamespaceSelector() {
    return namespaceSelector;
  }

  public void setNamespaceSelector(LabelSelectorSpec namespaceSelector) {
    this.namespaceSelector = namespaceSelector;
  }

  public List<String> getExcludeNamespaces() {
    return excludeNamespaces;
  }

  public void setExcludeNamespaces(List<String> excludeNamespaces) {
    this.excludeNamespaces = excludeNamespaces;
  }
}
