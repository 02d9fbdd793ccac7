package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Service accounts in each target namespace that get the Secret in their imagePullSecrets. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "[has(self.names), has(self.all) && self.all, has(self.selector)].filter(x, x).size() <= 1",
    message = "at most one of names, all and selector may be set")
public class ServiceAccountsSpec {
  @JsonPropertyDescription("Service accounts by name (default: [default]). Names that do not exist yet are patched when they are created.")
  @io.fabric8.generator.annotation.Size(max = 100)
  private List<String> names;

  @JsonPropertyDescription("When true, every service account in each target namespace.")
  private Boolean all;

  @JsonPropertyDescription("Service accounts by label (matchLabels and matchExpressions).")
  private LabelSelectorSpec selector;

  public List<String> getNames() {
    return names;
  }

  public void setNames(List<String> names) {
    this.names = names;
  }

  public Boolean getAll() {
    return all;
  }

  public void setAll(Boolean all) {
    this.all = all;
  }

  public LabelSelectorSpec getSelector() {
    return selector;
  }

  public void setSelector(LabelSelectorSpec selector) {
    this.selector = selector;
  }
}
