package io.pullsecrets.operator.provider.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.ProviderException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one table from a cloud's error answer to a reason, whichever cloud answered. */
class CloudFailureTest {

  @ParameterizedTest(name = "HTTP {0} {1} -> {2}")
  @CsvSource(nullValues = "null", delimiter = '|', value = {
      // the status alone, the same for every cloud
      "400 | null                        | AuthenticationFailed",
      "401 | null                        | AuthenticationFailed",
      "403 | null                        | AccessDenied",
      "404 | null                        | RegistryNotFound",
      "429 | null                        | Throttled",
      "500 | null                        | ProviderUnavailable",
      "503 | null                        | ProviderUnavailable",
      "409 | null                        | ProviderUnavailable",
      "0   | null                        | ProviderUnavailable",
      // an error code the table does not know leaves the status to decide
      "400 | ValidationError             | AuthenticationFailed",
      "403 | PERMISSION_DENIED           | AccessDenied",
      "404 | NOT_FOUND                   | RegistryNotFound",
      // AWS error codes decide over the status
      "400 | ThrottlingException         | Throttled",
      "400 | AccessDeniedException       | AccessDenied",
      "403 | InvalidClientTokenId        | AuthenticationFailed",
      "400 | RegistryNotFoundException   | RegistryNotFound",
      // OAuth 2.0 error codes (Entra, Google) likewise
      "400 | invalid_grant               | AuthenticationFailed",
      "400 | access_denied               | AccessDenied",
      "403 | invalid_client              | AuthenticationFailed",
      // 429 and 5xx are the cloud's side, whatever the code says
      "429 | invalid_request             | Throttled",
      "500 | AccessDenied                | ProviderUnavailable",
      "503 | ThrottlingException         | ProviderUnavailable",
  })
  void oneTableForEveryCloud(int status, String code, String reason) {
    assertThat(CloudFailure.reason(status, code)).isEqualTo(reason);
    ProviderException e = new CloudFailure("a call", status, code, null, null).toException(new Redactor());
    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.retryable()).as("cloud failures are retried with backoff").isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(nullValues = "null", delimiter = '|', value = {
      "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT\"}       | invalid_grant     | Invalid JWT",
      "{\"error\":{\"code\":403,\"status\":\"PERMISSION_DENIED\",\"message\":\"no\"}} | PERMISSION_DENIED | no",
      "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad token\"}]}      | UNAUTHORIZED      | bad token",
      "{\"something\":\"else\"}                                                 | null              | null",
      "<html>Service Unavailable</html>                                         | null              | null",
  })
  void theErrorOfAnAnswersBody(String body, String code, String detail) {
    CloudFailure f = CloudFailure.ofBody("call", 400, body, "req-1");
    assertThat(f.code()).isEqualTo(code);
    assertThat(f.detail()).isEqualTo(detail);
    assertThat(f.requestId()).isEqualTo("req-1");
  }

  @Test
  void theMessageNamesCallStatusCodeDetailAndRequestIdRedacted() {
    Redactor redactor = new Redactor();
    redactor.add("s3cr3t-token");
    ProviderException e = new CloudFailure("STS AssumeRole", 403, "AccessDenied", "not allowed with s3cr3t-token", "req-9")
        .toException(redactor);
    assertThat(e.getMessage()).isEqualTo("STS AssumeRole failed: HTTP 403 AccessDenied: not allowed with <redacted> (request ID req-9)");
    // A request ID the cloud's own message already carries is not repeated.
    assertThat(new CloudFailure("Entra token request", 401, null, "Trace ID: t-1", "t-1").toException(redactor).getMessage())
        .isEqualTo("Entra token request failed: HTTP 401: Trace ID: t-1");
  }

  @Test
  void aCallWithoutAnAnswerIsProviderUnavailableAndNeverQuotesWhatCameBack() {
    Redactor redactor = new Redactor();
    ProviderException unreachable = CloudFailure.unanswered("ECR call",
        new IllegalStateException("wrapped", new UnknownHostException("api.ecr.example")), redactor);
    assertThat(unreachable.reason()).isEqualTo(Reasons.PROVIDER_UNAVAILABLE);
    assertThat(unreachable.retryable()).isTrue();
    assertThat(unreachable.getMessage()).contains("ECR call failed", "UnknownHostException", "api.ecr.example");

    ProviderException unreadable = CloudFailure.unanswered("Google token request",
        new IOException("Unexpected character ('y' (code 121)): ya29.a-token-in-the-answer"), redactor);
    assertThat(unreadable.reason()).isEqualTo(Reasons.PROVIDER_UNAVAILABLE);
    assertThat(unreadable.getMessage()).isEqualTo("Google token request failed: the answer could not be used (IOException)");
  }

  @Test
  void aRegistryThatCannotBeReachedIsRegistryNotFound() {
    RegistryHost registry = RegistryHost.parse("myregistry.azurecr.io").orElseThrow();
    ProviderException refused = CloudFailure.registryUnanswered("ACR token exchange", registry,
        new ConnectException("Connection refused"), new Redactor());
    assertThat(refused.reason()).isEqualTo(Reasons.REGISTRY_NOT_FOUND);
    assertThat(refused.getMessage()).isEqualTo("ACR token exchange failed: cannot connect to myregistry.azurecr.io");
    ProviderException other = CloudFailure.registryUnanswered("ACR token exchange", registry,
        new java.net.http.HttpTimeoutException("request timed out"), new Redactor());
    assertThat(other.reason()).isEqualTo(Reasons.PROVIDER_UNAVAILABLE);
  }
}
