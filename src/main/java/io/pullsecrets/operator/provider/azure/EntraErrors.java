package io.pullsecrets.operator.provider.azure;

import com.microsoft.aad.msal4j.MsalServiceException;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.Reasons;
import io.pullsecrets.operator.provider.cloud.Redactor;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * azure-identity failures as provider errors. Entra's message carries its AADSTS code, trace
 * and correlation IDs; it is passed on redacted. All are retried with backoff: app
 * registrations and role assignments are fixed outside the cluster.
 */
final class EntraErrors {
  private static final Set<String> AUTHENTICATION = Set.of(
      "invalid_client", "unauthorized_client", "invalid_grant", "invalid_request", "invalid_scope", "invalid_resource");

  private EntraErrors() {}

  static ProviderException map(RuntimeException e, Redactor redactor) {
    MsalServiceException msal = find(e, MsalServiceException.class);
    if (msal != null) {
      Integer status = msal.statusCode();
      String code = msal.errorCode();
      String reason;
      if (status != null && status == 429) {
        reason = Reasons.THROTTLED;
      } else if (status != null && status >= 500) {
        reason = Reasons.PROVIDER_UNAVAILABLE;
      } else if (status != null && status == 403) {
        reason = Reasons.ACCESS_DENIED;
      } else if ((code != null && AUTHENTICATION.contains(code)) || (status != null && (status == 400 || status == 401))) {
        reason = Reasons.AUTHENTICATION_FAILED;
      } else {
        reason = Reasons.PROVIDER_UNAVAILABLE;
      }
      StringBuilder msg = new StringBuilder("Entra token request failed");
      if (status != null && status > 0) {
        msg.append(": HTTP ").append(status);
      }
      if (code != null && !code.isBlank()) {
        msg.append(' ').append(redactor.clean(code));
      }
      String text = msal.getMessage();
      if (text != null && !text.isBlank()) {
        msg.append(": ").append(redactor.clean(text));
      }
      String requestId = header(msal.headers(), "x-ms-request-id");
      if (requestId != null && (text == null || !text.contains(requestId))) {
        msg.append(" (request ID ").append(redactor.clean(requestId)).append(')');
      }
      return ProviderException.transientFailure(reason, msg.toString());
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    if (text.contains("HttpResponse body") || text.contains("JSON")) {
      // parse errors quote the answer, which may hold a token: say only that it was unusable
      text = "the answer could not be parsed";
    }
    String reason = e.getClass().getSimpleName().equals("CredentialUnavailableException")
        ? Reasons.AUTHENTICATION_FAILED : Reasons.PROVIDER_UNAVAILABLE;
    return ProviderException.transientFailure(reason, "Entra token request failed: " + redactor.clean(text));
  }

  private static String header(Map<String, List<String>> headers, String name) {
    if (headers == null) {
      return null;
    }
    for (Map.Entry<String, List<String>> h : headers.entrySet()) {
      if (h.getKey() != null && h.getKey().equalsIgnoreCase(name) && h.getValue() != null && !h.getValue().isEmpty()) {
        return h.getValue().get(0);
      }
    }
    return null;
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }
}
