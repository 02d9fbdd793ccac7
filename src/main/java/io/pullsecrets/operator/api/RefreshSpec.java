package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** When to mint a new token. Static credentials refresh when their source Secret changes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RefreshSpec {
  @Pattern("^([0-9]{1,2}%|[0-9]+(s|m|h))$")
  @io.fabric8.generator.annotation.Size(max = 16)
  @JsonPropertyDescription("Refresh when this much of the token's lifetime is left: a percentage (25%) or a duration (30m, 2h). Default 25%.")
  private String before;

  @Pattern("^[0-9]+(s|m|h)$")
  @io.fabric8.generator.annotation.ValidationRule(value = "duration(self) >= duration('10s')",
      message = "refresh.interval must be at least 10s")
  @JsonPropertyDescription("Refresh at least this often (for example 6h), also for tokens that do not say when they expire.")
  private String interval;

  public String getBefore() {
    return before;
  }

  public void setBefore(String before) {
    this.before = before;
  }

  public String getInterval() {
    return interval;
  }

  public void setInterval(String interval) {
    this.interval = interval;
  }
}
