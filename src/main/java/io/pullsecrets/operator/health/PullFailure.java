package io.pullsecrets.operator.health;

import java.time.Instant;

/**
 * One image pull that failed, as the kubelet reported it in an Event on the pod: only bounded,
 * sanitized fields (the Event itself is tenant-writable text).
 *
 * @param image the image reference quoted in the message, at most {@link PullEvents#MAX_IMAGE} characters
 * @param message the kubelet's message, at most {@link PullEvents#MAX_MESSAGE} characters, control characters replaced
 * @param count how many times the kubelet reported it (the Event's count)
 */
public record PullFailure(String namespace, String pod, String podUid, String image, String message, Kind kind,
    Instant firstSeen, Instant lastSeen, long count) {

  /** What the kubelet's message says went wrong. */
  public enum Kind {
    /** The registry refused the credential (or none was sent): 401, 403, unauthorized, denied. */
    AUTH,
    /** The image or tag does not exist. */
    NOTFOUND,
    /** Anything else (network, TLS, a registry error). */
    OTHER;

    /** The metric label. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One failing pull: the same pod, the same image. */
  public record Key(String podUid, String image) {}

  public Key key() {
    return new Key(podUid, image);
  }
}
