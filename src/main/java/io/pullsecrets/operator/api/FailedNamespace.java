package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class FailedNamespace {
  @JsonPropertyDescription("The namespace.")
  private String namespace;

  @JsonPropertyDescription("Why it failed, in one CamelCase word: Conflict, Forbidden, NotFound, WriteConflict, Invalid, Throttled, ApiServerError, WriteFailed or NotWatched (the documentation's Status and conditions page says what each means).")
  private String reason;

  @JsonPropertyDescription("What happened, for people.")
  private String message;

  public FailedNamespace() {}

  public FailedNamespace(String namespace, String reason, String message) {
    this.namespace = namespace;
    this.reason = reason;
    this.message = message;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
