package io.pullsecrets.operator.provider.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.AadCredentialBuilderBase;
import com.azure.identity.ClientAssertionCredentialBuilder;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * azure-identity credentials with the authority host from {@code AZURE_AUTHORITY_HOST} (default
 * {@code https://login.microsoftonline.com/}), without HTTP retries (the reconciler backs off).
 * Instance discovery is turned off for authority hosts other than the public sovereign clouds
 * (Azure Stack, ADFS, private endpoints), as azure-identity documents. The Entra HTTP client
 * is azure-core's default unless one is given (for example with a custom trust store).
 */
public final class DefaultAzureClientFactory implements AzureClientFactory {
  public static final String AUTHORITY_HOST = "AZURE_AUTHORITY_HOST";
  public static final String DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com/";
  private static final Set<String> KNOWN_AUTHORITIES = Set.of(
      "login.microsoftonline.com", "login.chinacloudapi.cn", "login.microsoftonline.us", "login.microsoftonline.de");

  private final Map<String, String> env;
  private final HttpClient entraHttp;
  private final java.net.http.HttpClient registryHttp;

  /** Production: the process environment and default HTTP clients. */
  public DefaultAzureClientFactory() {
    this(System.getenv(), null, defaultRegistryHttp());
  }

  /**
   * @param env the environment to read AZURE_* settings from
   * @param entraHttp the HTTP client for Entra and managed identity, or null for azure-core's default
   * @param registryHttp the HTTP client for the registry's token exchange
   */
  public DefaultAzureClientFactory(Map<String, String> env, HttpClient entraHttp, java.net.http.HttpClient registryHttp) {
    this.env = Map.copyOf(env);
    this.entraHttp = entraHttp;
    this.registryHttp = registryHttp;
  }

  public static java.net.http.HttpClient defaultRegistryHttp() {
    return java.net.http.HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(10))
        .followRedirects(java.net.http.HttpClient.Redirect.NEVER)
        .build();
  }

  /** The authority host, with a trailing slash. */
  public String authorityHost() {
    String host = env.getOrDefault(AUTHORITY_HOST, "");
    if (host.isBlank()) {
      host = DEFAULT_AUTHORITY_HOST;
    }
    return host.endsWith("/") ? host : host + "/";
  }

  private <T extends AadCredentialBuilderBase<T>> T aad(T builder, String tenantId, String clientId) {
    builder.authorityHost(authorityHost()).tenantId(tenantId).clientId(clientId)
        .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(1))));
    String host = java.net.URI.create(authorityHost()).getHost();
    if (host == null || !KNOWN_AUTHORITIES.contains(host.toLowerCase(Locale.ROOT))) {
      builder.disableInstanceDiscovery();
    }
    if (entraHttp != null) {
      builder.httpClient(entraHttp);
    }
    return builder;
  }

  @Override
  public TokenCredential clientSecret(String tenantId, String clientId, String clientSecret) {
    return aad(new ClientSecretCredentialBuilder(), tenantId, clientId).clientSecret(clientSecret).build();
  }

  @Override
  public TokenCredential clientCertificate(String tenantId, String clientId, String pem) {
    return aad(new ClientCertificateCredentialBuilder(), tenantId, clientId)
        .pemCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  @Override
  public TokenCredential clientAssertion(String tenantId, String clientId, Supplier<String> assertion) {
    return aad(new ClientAssertionCredentialBuilder(), tenantId, clientId).clientAssertion(assertion).build();
  }

  @Override
  public TokenCredential workloadIdentity(String tenantId, String clientId, String tokenFile) {
    return aad(new WorkloadIdentityCredentialBuilder(), tenantId, clientId).tokenFilePath(tokenFile).build();
  }

  @Override
  public TokenCredential managedIdentity(String clientId) {
    // No retries here either, but through maxRetry: the managed identity credential sets its own
    // retry policy, and azure-core refuses retryOptions beside it.
    ManagedIdentityCredentialBuilder b = new ManagedIdentityCredentialBuilder().maxRetry(0);
    if (clientId != null && !clientId.isBlank()) {
      b.clientId(clientId);
    }
    if (entraHttp != null) {
      b.httpClient(entraHttp);
    }
    return b.build();
  }

  @Override
  public java.net.http.HttpClient registryHttp() {
    return registryHttp;
  }

  @Override
  public Map<String, String> env() {
    return env;
  }
}
