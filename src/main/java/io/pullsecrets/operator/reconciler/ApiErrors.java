package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pullsecrets.operator.api.Reasons;

/**
 * Turns API server errors into a reason and a message that never carry request or response
 * bodies (a Secret write could echo its data).
 */
final class ApiErrors {
  private ApiErrors() {}

  static String reason(KubernetesClientException e) {
    return switch (e.getCode()) {
      case 403 -> Reasons.FORBIDDEN;
      case 404 -> Reasons.NOT_FOUND;
      case 409 -> Reasons.WRITE_CONFLICT;
      case 422 -> Reasons.INVALID;
      case 429 -> Reasons.THROTTLED;
      default -> e.getCode() >= 500 ? Reasons.API_SERVER_ERROR : Reasons.WRITE_FAILED;
    };
  }

  /** The server's Retry-After (Status details.retryAfterSeconds, sent with 429 and some 5xx), or null. */
  static java.time.Duration retryAfter(KubernetesClientException e) {
    if (e.getStatus() == null || e.getStatus().getDetails() == null) {
      return null;
    }
    Integer seconds = e.getStatus().getDetails().getRetryAfterSeconds();
    return seconds == null || seconds <= 0 ? null : java.time.Duration.ofSeconds(Math.min(seconds, 600));
  }

  static String message(String action, KubernetesClientException e) {
    String code = e.getCode() > 0 ? "HTTP " + e.getCode() : "no response";
    // The reason may come from an admission webhook: quoted, bounded.
    String reason = e.getStatus() == null || e.getStatus().getReason() == null ? ""
        : e.getStatus().getReason().matches("[A-Za-z]{1,64}") ? " " + e.getStatus().getReason()
        : " " + ForeignText.quote(e.getStatus().getReason());
    return action + " failed: " + code + reason;
  }
}
