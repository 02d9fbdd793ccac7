package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Failed image pulls this credential should have served, seen within the pull-health window. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PullFailures {
  @JsonPropertyDescription("Failing pulls (pod and image) refused for authentication within the window.")
  private int auth;

  @JsonPropertyDescription("Failing pulls for other reasons (image not found, network) within the window: shown, not this credential's to fix.")
  private int other;

  @JsonPropertyDescription("The most recent failing pulls, at most 5.")
  private List<FailedPull> recent;

  public PullFailures() {}

  public PullFailures(int auth, int other, List<FailedPull> recent) {
    this.auth = auth;
    this.other = other;
    this.recent = recent;
  }

  public int getAuth() {
    return auth;
  }

  public void setAuth(int auth) {
    this.auth = auth;
  }

  public int getOther() {
    return other;
  }

  public void setOther(int other) {
    this.other = other;
  }

  public List<FailedPull> getRecent() {
    return recent;
  }

  public void setRecent(List<FailedPull> recent) {
    this.recent = recent;
  }

  /** One failing pull: which pod, which image, what the kubelet said (bounded). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class FailedPull {
    @JsonPropertyDescription("The pod's namespace.")
    private String namespace;
    @JsonPropertyDescription("The pod's name.")
    private String pod;
    @JsonPropertyDescription("The image reference, bounded.")
    private String image;
    @JsonPropertyDescription("auth, notfound or other.")
    private String kind;
    @JsonPropertyDescription("The kubelet's message, bounded, control characters replaced.")
    private String message;
    @JsonPropertyDescription("When the kubelet last reported it (RFC 3339).")
    private String lastSeen;

    public FailedPull() {}

    public FailedPull(String namespace, String pod, String image, String kind, String message, String lastSeen) {
      this.namespace = namespace;
      this.pod = pod;
      this.image = image;
      this.kind = kind;
      this.message = message;
      this.lastSeen = lastSeen;
    }

    public String getNamespace() {
      return namespace;
    }

    public void setNamespace(String namespace) {
      this.namespace = namespace;
    }

    public String getPod() {
      return pod;
    }

    public void setPod(String pod) {
      this.pod = pod;
    }

    public String getImage() {
      return image;
    }

    public void setImage(String image) {
      this.image = image;
    }

    public String getKind() {
      return kind;
    }

    public void setKind(String kind) {
      this.kind = kind;
    }

    public String getMessage() {
      return message;
    }

    public void setMessage(String message) {
      this.message = message;
    }

    public String getLastSeen() {
      return lastSeen;
    }

    public void setLastSeen(String lastSeen) {
      this.lastSeen = lastSeen;
    }
  }
}
