package io.pullsecrets.operator.provider.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.pullsecrets.operator.api.AzureAuthSpec;
import io.pullsecrets.operator.api.AzureProviderSpec;
import io.pullsecrets.operator.api.ProviderKind;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.RegistryLogin;
import io.pullsecrets.operator.provider.SecretData;
import io.pullsecrets.operator.provider.cloud.CloudFailure;
import io.pullsecrets.operator.provider.cloud.Jwts;
import io.pullsecrets.operator.provider.cloud.Redactor;
import io.pullsecrets.operator.provider.cloud.RegistryHost;
import io.pullsecrets.operator.provider.cloud.ServiceAccountTokens;
import io.pullsecrets.operator.provider.cloud.TokenPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * Azure Container Registry: an Entra access token (client secret, client certificate, a
 * service account token as federated credential, or the operator's own identity for trusted
 * namespaces), exchanged at {@code POST https://<registry>/oauth2/exchange} for an ACR refresh
 * token. Username {@code 00000000-0000-0000-0000-000000000000}, password the refresh token,
 * expiry its {@code exp} claim, or {@link #DEFAULT_LIFETIME} after the exchange when it has none.
 */
public final class AzureCredentialProvider implements CredentialProvider {
  public static final String USERNAME = "00000000-0000-0000-0000-000000000000";
  public static final String DEFAULT_SCOPE = "https://management.azure.com/.default";
  public static final String DEFAULT_AUDIENCE = "api://AzureADTokenExchange";
  /** Registry hosts of Azure's clouds (public, China, US Government), incl. data endpoints. */
  static final java.util.regex.Pattern ACR_HOST =
      java.util.regex.Pattern.compile("[a-z0-9-]+(\\.[a-z0-9-]+)*\\.azurecr\\.(io|cn|us)");
  /** ACR refresh tokens live about three hours; assumed when the token carries no exp claim. */
  public static final Duration DEFAULT_LIFETIME = Duration.ofHours(3);
  public static final String CLIENT_SECRET_KEY = "clientSecret";
  public static final String CERTIFICATE_KEY = "tls.crt";
  public static final String PRIVATE_KEY_KEY = "tls.key";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AzureClientFactory clients;
  private final TokenPolicy tokens;

  public AzureCredentialProvider(AzureClientFactory clients, ServiceAccountTokens tokens) {
    this(clients, new TokenPolicy(tokens));
  }

  public AzureCredentialProvider(AzureClientFactory clients, TokenPolicy tokens) {
    this.clients = Objects.requireNonNull(clients, "clients");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
  }

  @Override
  public ProviderKind kind() {
    return ProviderKind.AZURE;
  }

  @Override
  public Credential fetch(ProviderRequest request) throws ProviderException {
    AzureProviderSpec spec = request.resource().getSpec().getProvider().getAzure();
    RegistryHost registry = RegistryHost.parse(spec.getRegistry()).orElseThrow(() -> ProviderException.invalid(
        Reasons.INVALID_SOURCE, "spec.provider.azure.registry must be a registry host such as myregistry.azurecr.io"));
    // The Entra token goes to the registry: outside trusted namespaces only to ACR itself.
    TokenPolicy.requireHost(request, "spec.provider.azure.registry", registry, h -> ACR_HOST.matcher(h).matches(),
        "an ACR host ending in .azurecr.io, .azurecr.cn or .azurecr.us");
    String tenant = spec.getTenantId() == null ? "" : spec.getTenantId().trim();
    if (tenant.isEmpty()) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "spec.provider.azure.tenantId is empty");
    }
    AzureAuthSpec auth = spec.getAuth();
    if (auth == null) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "spec.provider.azure.auth is not set");
    }
    Redactor redactor = new Redactor();
    String scope = spec.getScope() == null || spec.getScope().isBlank() ? DEFAULT_SCOPE : spec.getScope().trim();
    TokenCredential credential = credential(request, tenant, auth, redactor);
    String entraToken = entraToken(credential, scope, redactor);
    String refresh = exchange(registry, tenant, entraToken, redactor);
    Instant expiresAt = Jwts.expiry(refresh).orElse(request.clock().instant().plus(DEFAULT_LIFETIME));
    return Credential.of(List.of(new RegistryLogin(registry.name(), USERNAME, refresh)), expiresAt);
  }

  private TokenCredential credential(ProviderRequest request, String tenant, AzureAuthSpec auth, Redactor redactor)
      throws ProviderException {
    if (auth.getClientSecret() != null) {
      String clientId = required(auth.getClientSecret().getClientId(), "auth.clientSecret.clientId");
      Secret secret = SecretData.require(request.secrets(), name(auth.getClientSecret().getSecretRef()));
      String value = redactor.add(SecretData.text(secret, CLIENT_SECRET_KEY).trim());
      return clients.clientSecret(tenant, clientId, value);
    }
    if (auth.getClientCertificate() != null) {
      String clientId = required(auth.getClientCertificate().getClientId(), "auth.clientCertificate.clientId");
      String secretName = name(auth.getClientCertificate().getSecretRef());
      Secret secret = SecretData.require(request.secrets(), secretName);
      String cert = SecretData.text(secret, CERTIFICATE_KEY);
      String key = redactor.add(SecretData.text(secret, PRIVATE_KEY_KEY));
      if (!usableCertificate(cert, key)) {
        throw ProviderException.invalid(Reasons.INVALID_SOURCE, "Secret '" + secretName
            + "' must hold a PEM certificate in 'tls.crt' and its PEM PKCS#8 private key (BEGIN PRIVATE KEY) in 'tls.key'");
      }
      try {
        return clients.clientCertificate(tenant, clientId, cert.strip() + "\n" + key.strip() + "\n");
      } catch (RuntimeException e) {
        throw ProviderException.invalid(Reasons.INVALID_SOURCE,
            "Secret '" + secretName + "' does not hold a usable certificate and private key");
      }
    }
    if (auth.getWorkloadIdentity() != null) {
      var wi = auth.getWorkloadIdentity();
      String clientId = required(wi.getClientId(), "auth.workloadIdentity.clientId");
      String audience = wi.getAudience() == null || wi.getAudience().isBlank() ? DEFAULT_AUDIENCE : wi.getAudience();
      String token = redactor.add(tokens.token(request, "spec.provider.azure.auth.workloadIdentity",
          wi.getServiceAccountName(), audience, TokenPolicy.Cloud.AZURE));
      return clients.clientAssertion(tenant, clientId, () -> token);
    }
    if (auth.getManagedIdentity() != null) {
      tokens.requireTrusted(request, "the operator's own Azure identity (auth.managedIdentity)",
          "use clientSecret, clientCertificate or workloadIdentity");
      return ambient(auth.getManagedIdentity().getClientId());
    }
    throw ProviderException.invalid(Reasons.INVALID_SOURCE,
        "spec.provider.azure.auth must set one of clientSecret, clientCertificate, workloadIdentity and managedIdentity");
  }

  /**
   * The operator's own identity: its workload identity when the pod has one (the variables the
   * AKS webhook injects: AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID; a
   * clientId in the spec selects another app trusting the same token), through azure-identity's
   * workload identity credential; else managed identity.
   */
  private TokenCredential ambient(String clientId) throws ProviderException {
    Map<String, String> env = clients.env();
    String file = env.get("AZURE_FEDERATED_TOKEN_FILE");
    String envTenant = env.get("AZURE_TENANT_ID");
    if (file == null || file.isBlank() || envTenant == null || envTenant.isBlank()) {
      return clients.managedIdentity(clientId);
    }
    String id = clientId != null && !clientId.isBlank() ? clientId : env.get("AZURE_CLIENT_ID");
    if (id == null || id.isBlank()) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "no client ID: set auth.managedIdentity.clientId or AZURE_CLIENT_ID");
    }
    if (!Files.isReadable(Path.of(file))) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE,
          "cannot read the operator's federated token file " + file);
    }
    return clients.workloadIdentity(envTenant, id, file);
  }

  private static String entraToken(TokenCredential credential, String scope, Redactor redactor) throws ProviderException {
    AccessToken token;
    try {
      token = credential.getTokenSync(new TokenRequestContext().addScopes(scope));
    } catch (RuntimeException e) {
      throw EntraErrors.map(e, redactor);
    }
    if (token == null || token.getToken() == null || token.getToken().isBlank()) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "Entra returned no access token");
    }
    return redactor.add(token.getToken());
  }

  /** {@code POST /oauth2/exchange} of the registry: the Entra token for an ACR refresh token. */
  private String exchange(RegistryHost registry, String tenant, String entraToken, Redactor redactor)
      throws ProviderException {
    URI uri = registry.resolve("/oauth2/exchange");
    String body = form("grant_type", "access_token", "service", registry.name(), "tenant", tenant,
        "access_token", entraToken);
    HttpRequest req = HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    String call = "ACR token exchange at " + uri;
    HttpResponse<String> resp;
    try {
      resp = clients.registryHttp().send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException | UnresolvedAddressException e) {
      throw CloudFailure.registryUnanswered(call, registry, e, redactor);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, call + " was interrupted");
    }
    String requestId = resp.headers().firstValue("x-ms-correlation-request-id")
        .or(() -> resp.headers().firstValue("x-ms-request-id")).orElse(null);
    if (resp.statusCode() != 200) {
      throw CloudFailure.ofBody(call, resp.statusCode(), resp.body(), requestId).toException(redactor);
    }
    String refresh;
    try {
      JsonNode node = JSON.readTree(resp.body());
      refresh = node == null || !node.hasNonNull("refresh_token") ? null : node.get("refresh_token").asText();
    } catch (IOException e) {
      refresh = null;
    }
    if (refresh == null || refresh.isBlank()) {
      String suffix = requestId == null ? "" : " (request ID " + redactor.clean(requestId) + ")";
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, call + " returned no refresh_token" + suffix);
    }
    return redactor.add(refresh);
  }

  /** An application/x-www-form-urlencoded body of name, value, name, value, ... in that order. */
  private static String form(String... namesAndValues) {
    StringJoiner body = new StringJoiner("&");
    for (int i = 0; i < namesAndValues.length; i += 2) {
      body.add(URLEncoder.encode(namesAndValues[i], StandardCharsets.UTF_8) + "="
          + URLEncoder.encode(namesAndValues[i + 1], StandardCharsets.UTF_8));
    }
    return body.toString();
  }

  /** Whether the PEM texts hold an X.509 certificate and a matching-kind PKCS#8 private key. */
  static boolean usableCertificate(String certPem, String keyPem) {
    try {
      java.security.cert.Certificate cert = java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(new java.io.ByteArrayInputStream(certPem.getBytes(StandardCharsets.US_ASCII)));
      String algorithm = cert.getPublicKey().getAlgorithm();
      int begin = keyPem.indexOf("-----BEGIN PRIVATE KEY-----");
      int end = keyPem.indexOf("-----END PRIVATE KEY-----");
      if (begin < 0 || end < begin) {
        return false;
      }
      byte[] der = java.util.Base64.getMimeDecoder().decode(keyPem.substring(begin + 27, end));
      java.security.KeyFactory.getInstance(algorithm).generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
      return true;
    } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static String name(io.pullsecrets.operator.api.SecretReference ref) {
    return ref == null ? null : ref.getName();
  }

  private static String required(String value, String field) throws ProviderException {
    if (value == null || value.isBlank()) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "spec.provider.azure." + field + " is empty");
    }
    return value.trim();
  }
}
