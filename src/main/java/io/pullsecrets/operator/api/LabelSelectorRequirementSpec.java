package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class LabelSelectorRequirementSpec {
  @Required
  @JsonPropertyDescription("The label key.")
  @io.fabric8.generator.annotation.Size(max = 317)
  private String key;

  @Required
  @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
  @io.fabric8.generator.annotation.ValidationRule(value = "self in ['In', 'NotIn', 'Exists', 'DoesNotExist']",
      message = "operator must be one of In, NotIn, Exists, DoesNotExist")
  private String operator;

  @JsonPropertyDescription("Values for In and NotIn (at least one); empty for Exists and DoesNotExist.")
  @io.fabric8.generator.annotation.Size(max = 100)
  private List<String> values;

  public LabelSelectorRequirementSpec() {}

  public LabelSelectorRequirementSpec(String key, String operator, List<String> values) {
    this.key = key;
    this.operator = operator;
    this.values = values;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public String getOperator() {
    return operator;
  }

  public void setOperator(String operator) {
    this.operator = operator;
  }

  public List<String> getValues() {
    return values;
  }

  public void setValues(List<String> values) {
    this.values = values;
  }
}
