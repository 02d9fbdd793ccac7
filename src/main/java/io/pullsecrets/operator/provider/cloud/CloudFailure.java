package io.pullsecrets.operator.provider.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.ProviderException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * A call to a cloud that the cloud answered with an error, and the one table every cloud
 * provider uses to turn it into a condition reason:
 *
 * <ul>
 *   <li>429 → Throttled; 5xx → ProviderUnavailable (the cloud's side, whatever the error code);
 *   <li>else an error code the table knows (AWS error codes, OAuth 2.0 error codes of Entra and
 *       Google) decides;
 *   <li>else the status: 400 and 401 → AuthenticationFailed (token endpoints answer 400 for a
 *       rejected grant, RFC 6749 section 5.2), 403 → AccessDenied, 404 → RegistryNotFound;
 *   <li>anything else, and a call without an answer (see {@link #unanswered}) → ProviderUnavailable.
 * </ul>
 *
 * Every such failure is retried with backoff: identities and permissions are fixed outside the
 * cluster. The message names the call, the status, the cloud's error code and message
 * (redacted) and its request ID.
 *
 * @param call what was called, for messages (e.g. "ECR GetAuthorizationToken in eu-west-1")
 * @param status the HTTP status, or 0 when unknown
 * @param code the cloud's error code, or null
 * @param detail the cloud's own message, or null
 * @param requestId the cloud's request ID, or null
 */
public record CloudFailure(String call, int status, String code, String detail, String requestId) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> CODES = codes();
  /** Failures on the way to a server, whose messages name hosts and ports, never what a server sent. */
  private static final List<Class<? extends Throwable>> TRANSPORT = List.of(UnknownHostException.class,
      UnresolvedAddressException.class, HttpTimeoutException.class, SocketTimeoutException.class, SocketException.class,
      SSLException.class);

  private static Map<String, String> codes() {
    Map<String, String> m = new HashMap<>();
    List.of("UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch", "InvalidSignatureException",
        "IncompleteSignature", "MissingAuthenticationToken", "ExpiredToken", "ExpiredTokenException",
        "InvalidIdentityToken", "IDPRejectedClaim", "InvalidAccessKeyId", "AuthFailure", "IDPCommunicationError",
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
        "invalid_scope", "invalid_target", "invalid_resource")
        .forEach(c -> m.put(c, Reasons.AUTHENTICATION_FAILED));
    List.of("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "RegionDisabledException", "access_denied")
        .forEach(c -> m.put(c, Reasons.ACCESS_DENIED));
    List.of("Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
        "ProvisionedThroughputExceededException", "LimitExceededException")
        .forEach(c -> m.put(c, Reasons.THROTTLED));
    List.of("RegistryNotFoundException", "RepositoryNotFoundException").forEach(c -> m.put(c, Reasons.REGISTRY_NOT_FOUND));
    return Map.copyOf(m);
  }

  /** The reason for an error answer: see the class comment. */
  public static String reason(int status, String code) {
    if (status == 429) {
      return Reasons.THROTTLED;
    }
    if (status >= 500) {
      return Reasons.PROVIDER_UNAVAILABLE;
    }
    String byCode = code == null ? null : CODES.get(code);
    if (byCode != null) {
      return byCode;
    }
    return switch (status) {
      case 400, 401 -> Reasons.AUTHENTICATION_FAILED;
      case 403 -> Reasons.ACCESS_DENIED;
      case 404 -> Reasons.REGISTRY_NOT_FOUND;
      default -> Reasons.PROVIDER_UNAVAILABLE;
    };
  }

  /**
   * The error of an HTTP answer's JSON body: OAuth 2.0's {@code {"error","error_description"}},
   * Google APIs' {@code {"error":{"status","message"}}} or the registry API's
   * {@code {"errors":[{"code","message"}]}}; code and detail null when the body is none of them.
   */
  public static CloudFailure ofBody(String call, int status, String body, String requestId) {
    JsonNode node;
    try {
      node = body == null ? null : JSON.readTree(body);
    } catch (IOException e) {
      node = null;
    }
    if (node == null || !node.isObject()) {
      return new CloudFailure(call, status, null, null, requestId);
    }
    JsonNode error = node.path("error");
    JsonNode registryError = node.path("errors").path(0);
    if (error.isTextual()) {
      return new CloudFailure(call, status, error.asText(), text(node, "error_description"), requestId);
    }
    if (error.isObject()) {
      return new CloudFailure(call, status, text(error, "status"), text(error, "message"), requestId);
    }
    if (registryError.isObject()) {
      return new CloudFailure(call, status, text(registryError, "code"), text(registryError, "message"), requestId);
    }
    return new CloudFailure(call, status, null, null, requestId);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  public String reason() {
    return reason(status, code);
  }

  /** The provider error, retried with backoff, its message redacted. */
  public ProviderException toException(Redactor redactor) {
    StringBuilder msg = new StringBuilder(call).append(" failed");
    if (status > 0) {
      msg.append(": HTTP ").append(status);
    }
    if (code != null && !code.isBlank()) {
      msg.append(' ').append(redactor.clean(code));
    }
    if (detail != null && !detail.isBlank()) {
      msg.append(": ").append(redactor.clean(detail));
    }
    if (requestId != null && !requestId.isBlank() && (detail == null || !detail.contains(requestId))) {
      msg.append(" (request ID ").append(redactor.clean(requestId)).append(')');
    }
    return ProviderException.transientFailure(reason(), msg.toString());
  }

  /**
   * A call that got no usable answer: ProviderUnavailable, retried with backoff. The message
   * says what went wrong on the way (host, connection, timeout, TLS) without quoting anything a
   * server sent: an answer that could not be read is named only by the failure's type.
   */
  public static ProviderException unanswered(String call, Throwable failure, Redactor redactor) {
    return ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, call + " failed: " + describe(failure, redactor));
  }

  /**
   * A registry (rather than a cloud's endpoint) that gave no usable answer: RegistryNotFound when
   * its host does not resolve or refuses the connection, else as {@link #unanswered}.
   */
  public static ProviderException registryUnanswered(String call, RegistryHost registry, Throwable failure,
      Redactor redactor) {
    boolean absent = find(failure, java.net.ConnectException.class).isPresent()
        || find(failure, UnresolvedAddressException.class).isPresent()
        || find(failure, UnknownHostException.class).isPresent();
    return absent
        ? ProviderException.transientFailure(Reasons.REGISTRY_NOT_FOUND, call + " failed: cannot connect to " + registry)
        : unanswered(call, failure, redactor);
  }

  /** What went wrong on the way, for a call without an answer; see {@link #unanswered}. */
  public static String describe(Throwable failure, Redactor redactor) {
    for (Class<? extends Throwable> type : TRANSPORT) {
      Optional<? extends Throwable> t = find(failure, type);
      if (t.isPresent()) {
        String text = t.get().getMessage() == null ? "" : ": " + redactor.clean(t.get().getMessage());
        return "cannot reach the endpoint (" + t.get().getClass().getSimpleName() + text + ")";
      }
    }
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return "the answer could not be used (" + root.getClass().getSimpleName() + ")";
  }

  /** The first throwable of {@code type} in the cause chain of {@code t}. */
  public static <T extends Throwable> Optional<T> find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return Optional.of(type.cast(c));
      }
    }
    return Optional.empty();
  }
}
