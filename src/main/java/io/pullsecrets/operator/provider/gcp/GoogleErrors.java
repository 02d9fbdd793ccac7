package io.pullsecrets.operator.provider.gcp;

import com.google.api.client.http.HttpResponseException;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.cloud.CloudFailure;
import io.pullsecrets.operator.provider.cloud.Redactor;
import java.util.Optional;

/**
 * google-auth-library failures as provider errors, by type: the token endpoint's answer (the
 * {@link HttpResponseException} the library keeps as a cause: its status and the OAuth error of
 * its body) through the shared {@link CloudFailure} table; anything else is a call without an
 * answer.
 */
final class GoogleErrors {
  private GoogleErrors() {}

  static ProviderException map(String call, Exception e, Redactor redactor) {
    Optional<HttpResponseException> http = CloudFailure.find(e, HttpResponseException.class);
    if (http.isEmpty()) {
      return CloudFailure.unanswered(call, e, redactor);
    }
    return CloudFailure.ofBody(call, http.get().getStatusCode(), http.get().getContent(), null).toException(redactor);
  }
}
