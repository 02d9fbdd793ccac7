package io.pullsecrets.operator.provider.ecr;

import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.cloud.CloudFailure;
import io.pullsecrets.operator.provider.cloud.Redactor;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * AWS SDK failures as provider errors: an {@link AwsServiceException} (anywhere in the cause
 * chain) by its HTTP status, AWS error code, message and request ID through the shared
 * {@link CloudFailure} table; anything else as a call without an answer.
 */
final class AwsErrors {
  private AwsErrors() {}

  static ProviderException map(String call, RuntimeException e, Redactor redactor) {
    Optional<AwsServiceException> service = CloudFailure.find(e, AwsServiceException.class);
    if (service.isEmpty()) {
      return CloudFailure.unanswered(call, e, redactor);
    }
    AwsServiceException ase = service.get();
    AwsErrorDetails d = ase.awsErrorDetails();
    return new CloudFailure(call, ase.statusCode(), d == null ? null : d.errorCode(), d == null ? null : d.errorMessage(),
        ase.requestId()).toException(redactor);
  }
}
