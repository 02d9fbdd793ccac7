package io.pullsecrets.operator.provider.ecr;

import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecrpublic.EcrPublicClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Makes the AWS SDK clients of the ECR provider. The provider closes every client it gets after
 * the fetch. Production: {@link DefaultAwsClientFactory}.
 */
public interface AwsClientFactory {

  /** An ECR client for the region, calling with the given credentials. */
  EcrClient ecr(Region region, AwsCredentialsProvider credentials);

  /** An ECR Public client: its one endpoint is in us-east-1, whatever the registries' regions. */
  EcrPublicClient ecrPublic(AwsCredentialsProvider credentials);

  /** An STS client for the region; anonymous credentials for AssumeRoleWithWebIdentity. */
  StsClient sts(Region region, AwsCredentialsProvider credentials);

  /** The operator's own identity (the SDK default chain), for trusted namespaces. */
  AwsCredentialsProvider ambient();

  /** The operator's environment (for AWS_ENDPOINT_URL_*, AWS_WEB_IDENTITY_TOKEN_FILE, ...). */
  Map<String, String> env();
}
