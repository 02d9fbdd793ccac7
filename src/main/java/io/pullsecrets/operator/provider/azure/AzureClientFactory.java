package io.pullsecrets.operator.provider.azure;

import com.azure.core.credential.TokenCredential;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Makes the Entra credentials and the HTTP client of the ACR provider. Production:
 * {@link DefaultAzureClientFactory}.
 */
public interface AzureClientFactory {

  TokenCredential clientSecret(String tenantId, String clientId, String clientSecret);

  /** {@code pem}: the certificate and its PKCS#8 private key, PEM encoded. */
  TokenCredential clientCertificate(String tenantId, String clientId, String pem);

  /** A federated credential: {@code assertion} supplies the service account token. */
  TokenCredential clientAssertion(String tenantId, String clientId, Supplier<String> assertion);

  /**
   * The operator's own workload identity: the federated token the AKS webhook projects into
   * {@code tokenFile}, presented for {@code clientId} in {@code tenantId}.
   */
  TokenCredential workloadIdentity(String tenantId, String clientId, String tokenFile);

  /** The node's managed identity; {@code clientId} null for the system-assigned one. */
  TokenCredential managedIdentity(String clientId);

  /** The HTTP client for the registry's {@code /oauth2/exchange}. */
  java.net.http.HttpClient registryHttp();

  /** The operator's environment (AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, ...). */
  Map<String, String> env();
}
