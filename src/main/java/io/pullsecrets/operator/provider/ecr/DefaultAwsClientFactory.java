package io.pullsecrets.operator.provider.ecr;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecrpublic.EcrPublicClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * SDK clients over one shared URL-connection HTTP client, without SDK retries (the reconciler
 * backs off, and a refresh is one call per region). Endpoints can be overridden the way the AWS
 * SDKs document it: {@code AWS_ENDPOINT_URL_ECR}, {@code AWS_ENDPOINT_URL_ECR_PUBLIC},
 * {@code AWS_ENDPOINT_URL_STS}, or {@code AWS_ENDPOINT_URL} for all, read from the given environment.
 */
public final class DefaultAwsClientFactory implements AwsClientFactory {
  public static final String ENDPOINT_ECR = "AWS_ENDPOINT_URL_ECR";
  public static final String ENDPOINT_ECR_PUBLIC = "AWS_ENDPOINT_URL_ECR_PUBLIC";
  public static final String ENDPOINT_STS = "AWS_ENDPOINT_URL_STS";
  public static final String ENDPOINT_ALL = "AWS_ENDPOINT_URL";

  private final Map<String, String> env;
  private final SdkHttpClient http;
  private final ClientOverrideConfiguration override;

  /** Production: the process environment. */
  public DefaultAwsClientFactory() {
    this(System.getenv());
  }

  public DefaultAwsClientFactory(Map<String, String> env) {
    this.env = Map.copyOf(env);
    this.http = UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(10))
        .socketTimeout(Duration.ofSeconds(30))
        .build();
    this.override = ClientOverrideConfiguration.builder()
        .retryStrategy(AwsRetryStrategy.doNotRetry())
        .apiCallTimeout(Duration.ofSeconds(60))
        .build();
  }

  @Override
  public EcrClient ecr(Region region, AwsCredentialsProvider credentials) {
    var b = EcrClient.builder().region(region).credentialsProvider(credentials).httpClient(http)
        .overrideConfiguration(override);
    endpoint(ENDPOINT_ECR).ifPresent(b::endpointOverride);
    return b.build();
  }

  @Override
  public EcrPublicClient ecrPublic(AwsCredentialsProvider credentials) {
    var b = EcrPublicClient.builder().region(Region.US_EAST_1).credentialsProvider(credentials).httpClient(http)
        .overrideConfiguration(override);
    endpoint(ENDPOINT_ECR_PUBLIC).ifPresent(b::endpointOverride);
    return b.build();
  }

  @Override
  public StsClient sts(Region region, AwsCredentialsProvider credentials) {
    var b = StsClient.builder().region(region).credentialsProvider(credentials).httpClient(http)
        .overrideConfiguration(override);
    endpoint(ENDPOINT_STS).ifPresent(b::endpointOverride);
    return b.build();
  }

  @Override
  public AwsCredentialsProvider ambient() {
    return DefaultCredentialsProvider.builder().build();
  }

  @Override
  public Map<String, String> env() {
    return env;
  }

  private java.util.Optional<URI> endpoint(String specific) {
    String v = env.get(specific);
    if (v == null || v.isBlank()) {
      v = env.get(ENDPOINT_ALL);
    }
    return v == null || v.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(URI.create(v.trim()));
  }
}
