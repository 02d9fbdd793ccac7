package io.pullsecrets.operator.provider.ecr;

import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.Reasons;
import io.pullsecrets.operator.provider.cloud.Redactor;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * AWS SDK exceptions as provider errors. Failures reported by AWS are retried with backoff
 * (identity and IAM problems are often fixed outside the cluster); the message names the call,
 * the HTTP status, the AWS error code, AWS's own message (redacted) and the request ID.
 */
final class AwsErrors {
  private static final Set<String> AUTHENTICATION = Set.of(
      "UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch", "InvalidSignatureException",
      "IncompleteSignature", "MissingAuthenticationToken", "ExpiredToken", "ExpiredTokenException",
      "InvalidIdentityToken", "IDPRejectedClaim", "InvalidAccessKeyId", "AuthFailure", "IDPCommunicationError");
  private static final Set<String> ACCESS = Set.of(
      "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "RegionDisabledException");
  private static final Set<String> THROTTLING = Set.of(
      "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
      "ProvisionedThroughputExceededException", "LimitExceededException");
  private static final Set<String> NOT_FOUND = Set.of("RegistryNotFoundException", "RepositoryNotFoundException");

  private AwsErrors() {}

  static ProviderException map(String call, SdkException e, Redactor redactor) {
    if (!(e instanceof AwsServiceException ase)) {
      return ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE,
          call + " failed: " + redactor.clean(e.getMessage()));
    }
    AwsErrorDetails d = ase.awsErrorDetails();
    String code = d == null ? null : d.errorCode();
    String awsMessage = d == null ? null : d.errorMessage();
    int status = ase.statusCode();
    String reason;
    if (code != null && THROTTLING.contains(code) || status == 429) {
      reason = Reasons.THROTTLED;
    } else if (code != null && AUTHENTICATION.contains(code) || status == 401) {
      reason = Reasons.AUTHENTICATION_FAILED;
    } else if (code != null && ACCESS.contains(code) || status == 403) {
      reason = Reasons.ACCESS_DENIED;
    } else if (code != null && NOT_FOUND.contains(code) || status == 404) {
      reason = Reasons.REGISTRY_NOT_FOUND;
    } else {
      reason = Reasons.PROVIDER_UNAVAILABLE;
    }
    StringBuilder msg = new StringBuilder(call).append(" failed: HTTP ").append(status);
    if (code != null && !code.isBlank()) {
      msg.append(' ').append(redactor.clean(code));
    }
    if (awsMessage != null && !awsMessage.isBlank()) {
      msg.append(": ").append(redactor.clean(awsMessage));
    }
    if (ase.requestId() != null && !ase.requestId().isBlank()) {
      msg.append(" (request ID ").append(redactor.clean(ase.requestId())).append(')');
    }
    return ProviderException.transientFailure(reason, msg.toString());
  }
}
