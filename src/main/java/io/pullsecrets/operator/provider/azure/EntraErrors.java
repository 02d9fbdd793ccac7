package io.pullsecrets.operator.provider.azure;

import com.azure.identity.CredentialUnavailableException;
import com.microsoft.aad.msal4j.MsalServiceException;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.cloud.CloudFailure;
import io.pullsecrets.operator.provider.cloud.Redactor;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * azure-identity failures as provider errors, by type: Entra's answer ({@link MsalServiceException}:
 * HTTP status, OAuth error code, its message with the AADSTS code, trace and correlation IDs)
 * through the shared {@link CloudFailure} table; a credential that cannot work in this pod
 * ({@link CredentialUnavailableException}) is AuthenticationFailed; anything else is a call
 * without an answer.
 */
final class EntraErrors {
  static final String CALL = "Entra token request";

  private EntraErrors() {}

  static ProviderException map(RuntimeException e, Redactor redactor) {
    Optional<MsalServiceException> msal = CloudFailure.find(e, MsalServiceException.class);
    if (msal.isPresent()) {
      MsalServiceException m = msal.get();
      int status = m.statusCode() == null ? 0 : m.statusCode();
      return new CloudFailure(CALL, status, m.errorCode(), m.getMessage(), header(m.headers(), "x-ms-request-id"))
          .toException(redactor);
    }
    Optional<CredentialUnavailableException> unavailable = CloudFailure.find(e, CredentialUnavailableException.class);
    if (unavailable.isPresent()) {
      return ProviderException.transientFailure(Reasons.AUTHENTICATION_FAILED,
          CALL + " failed: " + redactor.clean(unavailable.get().getMessage()));
    }
    return CloudFailure.unanswered(CALL, e, redactor);
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
}
