package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Map;

/** A Kubernetes label selector; all of its terms must match. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LabelSelectorSpec {
  @JsonPropertyDescription("Labels that must be present with exactly these values.")
  private Map<String, String> matchLabels;

  @JsonPropertyDescription("Requirements that must all hold.")
  @io.fabric8.generator.annotation.Size(max = 20)
  private List<LabelSelectorRequirementSpec> matchExpressions;

  public LabelSelectorSpec() {}

  public LabelSelectorSpec(Map<String, String> matchLabels, List<LabelSelectorRequirementSpec> matchExpressions) {
    this.matchLabels = matchLabels;
    this.matchExpressions = matchExpressions;
  }

  public Map<String, String> getMatchLabels() {
    return matchLabels;
  }

  public void setMatchLabels(Map<String, String> matchLabels) {
    this.matchLabels = matchLabels;
  }

  public List<LabelSelectorRequirementSpec> getMatchExpressions() {
    return matchExpressions;
  }

  public void setMatchExpressions(List<LabelSelectorRequirementSpec> matchExpressions) {
    this.matchExpressions = matchExpressions;
  }
}
