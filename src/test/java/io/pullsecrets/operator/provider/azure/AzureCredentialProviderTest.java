package io.pullsecrets.operator.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.ssl.SslContextBuilder;
import io.pullsecrets.operator.api.AzureAuthSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.SecretReference;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.cloud.MockTokenApi;
import io.pullsecrets.operator.provider.cloud.ServiceAccountTokenRefusals;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.provider.cloud.TestJwt;
import io.pullsecrets.operator.provider.cloud.TestTls;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real azure-identity (MSAL) against an HTTPS Entra stub on the authority host, and the token
 * exchange against a registry stub; both check the grants the way Entra and ACR do.
 */
class AzureCredentialProviderTest implements ServiceAccountTokenRefusals {
  // The app registration the spec names, and its client secret.
  static final String TENANT = "72f988bf-0000-0000-0000-2d7cd011db47";
  static final String CLIENT_ID = "11111111-2222-3333-4444-555555555555";
  static final String CLIENT_SECRET = "entra-client-secret-do-not-leak";
  /** The cluster's service-account token issuer, which the app's federated identity credential trusts. */
  static final String CLUSTER_ISSUER = "https://oidc.prod-aks.azure.com/pullsecrets-test/";
  static final java.security.KeyPair CLUSTER_KEYS = rsaKeys();
  /** The one subject the app's federated identity credential names. */
  static final String FEDERATED_SUBJECT = "system:serviceaccount:" + Fixtures.NAMESPACE + ":puller";
  static final String SA_TOKEN = serviceAccountToken(CLUSTER_KEYS.getPrivate(), FEDERATED_SUBJECT);
  // What the stubs issue: Entra's access token, and the ACR refresh token it is exchanged for.
  static final String ENTRA_TOKEN = "eyJ0eXAiOiJKV1QifQ.entra-access-token.do-not-leak";
  static final long REFRESH_EXP = Instant.parse("2030-01-01T03:00:00Z").getEpochSecond();
  static final String REFRESH_TOKEN = TestJwt.make("{\"jti\":\"r1\",\"exp\":" + REFRESH_EXP + ",\"grant_type\":\"refresh_token\"}");

  static KeyStore clientKeys;
  static X509Certificate clientCert;
  static PrivateKey clientKey;
  static com.azure.core.http.HttpClient entraHttp;

  @RegisterExtension final Closer closer = new Closer();
  StubServer entra;
  StubServer acr;
  MockTokenApi api;
  final Fixtures.Secrets secrets = new Fixtures.Secrets();

  @BeforeAll
  static void keys() throws Exception {
    clientKeys = TestTls.generate("client", "CN=pullsecrets-test-app", "-keyalg", "RSA", "-keysize", "2048");
    clientCert = (X509Certificate) clientKeys.getCertificate("client");
    clientKey = (PrivateKey) clientKeys.getKey("client", TestTls.PASSWORD);
    // What an operator with a private CA does: an azure-core HTTP client with its trust store.
    var tls = SslContextBuilder.forClient().trustManager(TestTls.trustManagerFactory()).build();
    entraHttp = new com.azure.core.http.netty.NettyAsyncHttpClientBuilder(
        reactor.netty.http.client.HttpClient.create().secure(s -> s.sslContext(tls))).build();
  }

  @BeforeEach
  void start() throws Exception {
    entra = closer.add(StubServer.https(TestTls.serverContext()).handler(this::entraAnswer));
    acr = closer.add(StubServer.http().handler(this::acrAnswer));
    api = closer.add(new MockTokenApi());
    secrets.put(Fixtures.secret("sp", Map.of("clientSecret", CLIENT_SECRET)));
    secrets.put(Fixtures.secret("sp-cert", Map.of(
        "tls.crt", TestTls.pem("CERTIFICATE", clientCert.getEncoded()),
        "tls.key", TestTls.pem("PRIVATE KEY", clientKey.getEncoded()))));
  }

  AzureCredentialProvider provider(Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("AZURE_AUTHORITY_HOST", entra.url());
    return new AzureCredentialProvider(
        new DefaultAzureClientFactory(env, entraHttp, DefaultAzureClientFactory.defaultRegistryHttp()), api.tokens());
  }

  /**
   * A request whose registry (the local ACR stub) is allowed the way an administrator allows a
   * registry behind a proxy: PULLSECRET_ALLOWED_ENDPOINT_HOSTS=127.0.0.1:<port>.
   */
  ProviderRequest request(ProviderSpec spec, Fixtures.Secrets secrets, boolean trusted) {
    return Fixtures.request(spec, secrets, trusted, acr.hostPort());
  }

  AzureCredentialProvider provider() {
    return provider(Map.of());
  }

  @Override
  public Borrower borrower() {
    return new Borrower(api, java.util.List.of(entra, acr), "spec.provider.azure.auth.workloadIdentity.audience",
        AZURE_AUDIENCE, (serviceAccount, audience, trusted) ->
        provider().fetch(request(spec(workloadIdentity(serviceAccount, audience)), secrets, trusted)));
  }

  String tokenEndpoint() {
    return entra.url() + "/" + TENANT + "/oauth2/v2.0/token";
  }

  static java.security.KeyPair rsaKeys() {
    try {
      java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A projected service-account token for Entra, as the cluster's issuer signs it. */
  static String serviceAccountToken(PrivateKey key, String subject) {
    long now = Instant.now().getEpochSecond();
    return TestJwt.signRsa("{\"aud\":[\"api://AzureADTokenExchange\"],\"iss\":\"" + CLUSTER_ISSUER + "\",\"sub\":\""
        + subject + "\",\"iat\":" + now + ",\"nbf\":" + now + ",\"exp\":" + (now + 86400) + "}", key);
  }

  /**
   * What Entra checks of a federated assertion (no certificate thumbprint): signed by the issuer
   * of a federated identity credential of the app, with its subject and audience, not expired.
   * Anything else is refused the way Entra refuses it (AADSTS70021), not with a stub failure.
   */
  static boolean federatedAssertionAccepted(String assertion) {
    try {
      TestJwt.Parts jwt = TestJwt.verifyRsa(assertion, CLUSTER_KEYS.getPublic());
      JsonNode aud = jwt.claims().path("aud");
      String audience = aud.isArray() ? aud.path(0).asText() : aud.asText();
      return CLUSTER_ISSUER.equals(jwt.claims().path("iss").asText())
          && FEDERATED_SUBJECT.equals(jwt.claims().path("sub").asText())
          && audience.equals("api://AzureADTokenExchange") && (!aud.isArray() || aud.size() == 1)
          && jwt.claims().path("exp").asLong() > Instant.now().getEpochSecond();
    } catch (AssertionError e) {
      return false;
    }
  }

  /** What Entra checks for the client credentials grant: the client secret or a client assertion. */
  Response entraAnswer(Request r) {
    if (!r.path().equals("/" + TENANT + "/oauth2/v2.0/token")) {
      return Response.json(404, "{\"error\":\"not_found\"}");
    }
    Map<String, String> form = r.form();
    assertThat(r.method()).isEqualTo("POST");
    assertThat(form).containsEntry("grant_type", "client_credentials").containsEntry("client_id", CLIENT_ID);
    assertThat(form.get("scope")).contains("https://management.azure.com/.default");
    if (form.containsKey("client_secret")) {
      if (!form.get("client_secret").equals(CLIENT_SECRET)) {
        return Response.json(401, "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret provided.\"}");
      }
    } else {
      assertThat(form).containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
      String assertion = form.get("client_assertion");
      TestJwt.Parts parts = TestJwt.parse(assertion);
      if (!parts.header().has("x5t") && !parts.header().has("x5t#S256")) {
        if (!federatedAssertionAccepted(assertion)) {
          return Response.json(400, "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS70021: No matching"
              + " federated identity record found for presented assertion.\"}");
        }
      } else {
        TestJwt.Parts jwt = TestJwt.verifyRsa(assertion, clientCert.getPublicKey());
        assertThat(jwt.claims().path("aud").asText()).isEqualTo(tokenEndpoint());
        assertThat(jwt.claims().path("iss").asText()).isEqualTo(CLIENT_ID);
        assertThat(jwt.claims().path("sub").asText()).isEqualTo(CLIENT_ID);
        assertThat(jwt.claims().path("exp").asLong()).isGreaterThan(Instant.now().getEpochSecond());
        assertThat(jwt.header().has("x5t") || jwt.header().has("x5t#S256")).isTrue();
      }
    }
    return Response.json(200, "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":\""
        + ENTRA_TOKEN + "\"}");
  }

  /** What ACR checks at /oauth2/exchange. */
  Response acrAnswer(Request r) {
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/oauth2/exchange");
    assertThat(r.header("content-type")).startsWith("application/x-www-form-urlencoded");
    assertThat(r.form()).containsEntry("grant_type", "access_token").containsEntry("service", acr.hostPort())
        .containsEntry("tenant", TENANT).containsEntry("access_token", ENTRA_TOKEN);
    return Response.json(200, "{\"refresh_token\":\"" + REFRESH_TOKEN + "\"}");
  }

  ProviderSpec spec(AzureAuthSpec auth) {
    ProviderSpec p = Fixtures.yaml(ProviderSpec.class, "azure: {registry: '%s', tenantId: '%s'}".formatted(acr.hostPort(), TENANT));
    p.getAzure().setAuth(auth);
    return p;
  }

  static AzureAuthSpec clientSecret() {
    return Fixtures.yaml(AzureAuthSpec.class, "clientSecret: {clientId: '%s', secretRef: {name: sp}}".formatted(CLIENT_ID));
  }

  static AzureAuthSpec clientCertificate(String secret) {
    return Fixtures.yaml(AzureAuthSpec.class,
        "clientCertificate: {clientId: '%s', secretRef: {name: '%s'}}".formatted(CLIENT_ID, secret));
  }

  static AzureAuthSpec workloadIdentity() {
    return Fixtures.yaml(AzureAuthSpec.class,
        "workloadIdentity: {clientId: '%s', serviceAccountName: puller}".formatted(CLIENT_ID));
  }

  static AzureAuthSpec managedIdentity(String clientId) {
    AzureAuthSpec a = Fixtures.yaml(AzureAuthSpec.class, "managedIdentity: {}");
    a.getManagedIdentity().setClientId(clientId);
    return a;
  }

  void assertAcrLogin(Credential c) throws Exception {
    JsonNode entry = Fixtures.dockerConfigEntry(c.dockerConfigJson(), acr.hostPort());
    assertThat(entry.get("username").asText()).isEqualTo("00000000-0000-0000-0000-000000000000");
    assertThat(entry.get("password").asText()).isEqualTo(REFRESH_TOKEN);
    assertThat(c.registries()).containsExactly(acr.hostPort());
    assertThat(c.expiresAt()).isEqualTo(Instant.ofEpochSecond(REFRESH_EXP));
    assertThat(acr.requests()).hasSize(1);
  }

  @Test
  void clientSecret_grantsAndExchanges() throws Exception {
    Credential c = provider().fetch(request(spec(clientSecret()), secrets, false));
    assertAcrLogin(c);
    assertThat(entra.requests()).singleElement().satisfies(r -> assertThat(r.form()).containsKey("client_secret"));
  }

  @Test
  void clientCertificate_sendsASignedClientAssertion() throws Exception {
    Credential c = provider().fetch(request(spec(clientCertificate("sp-cert")), secrets, false));
    assertAcrLogin(c);
    assertThat(entra.requests()).singleElement().satisfies(r ->
        assertThat(r.form()).containsKey("client_assertion").doesNotContainKey("client_secret"));
  }

  @Test
  void clientCertificate_garbageIsInvalidSource() {
    secrets.put(Fixtures.secret("bad-cert", Map.of("tls.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "tls.key", "-----BEGIN PRIVATE KEY-----\nQUFB\n-----END PRIVATE KEY-----\n")));
    assertThatThrownBy(() -> provider().fetch(request(spec(clientCertificate("bad-cert")), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.INVALID_SOURCE);
          assertThat(e.getMessage()).doesNotContain("QUFB");
        });
    assertThat(entra.requests()).isEmpty();
  }

  @Test
  void workloadIdentity_presentsTheServiceAccountToken() throws Exception {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", Fixtures.NAME, SA_TOKEN);
    Credential c = provider().fetch(request(spec(workloadIdentity()), secrets, false));
    assertAcrLogin(c);
    assertThat(api.received).singleElement()
        .satisfies(t -> assertThat(t.getSpec().getAudiences()).containsExactly("api://AzureADTokenExchange"));
    assertThat(entra.requests()).singleElement().satisfies(r -> assertThat(r.form()).containsEntry("client_assertion", SA_TOKEN));
  }

  /** The Entra stub checks the federated assertion as Entra does: a forged or foreign token is refused. */
  @ParameterizedTest
  @CsvSource({"other-issuer, puller", "cluster, someone-else"})
  void workloadIdentity_anAssertionEntraDoesNotTrustFailsAuthentication(String signer, String subjectAccount) {
    java.security.PrivateKey key = signer.equals("cluster") ? CLUSTER_KEYS.getPrivate() : rsaKeys().getPrivate();
    String token = serviceAccountToken(key, "system:serviceaccount:" + Fixtures.NAMESPACE + ":" + subjectAccount);
    api.serviceAccount(Fixtures.NAMESPACE, "puller", Fixtures.NAME, token);
    assertThatThrownBy(() -> provider().fetch(request(spec(workloadIdentity()), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.AUTHENTICATION_FAILED);
          assertThat(e.getMessage()).doesNotContain(token);
        });
    assertThat(entra.requests()).isNotEmpty();
    assertThat(acr.requests()).isEmpty();
  }

  @Test
  void managedIdentity_isRefusedOutsideTrustedNamespaces() {
    Fixtures.refused(() -> provider().fetch(request(spec(managedIdentity(null)), secrets, false)), Reasons.NOT_PERMITTED);
    assertThat(entra.requests()).isEmpty();
  }

  @Test
  void managedIdentity_usesTheOperatorsWorkloadIdentity(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("azure-identity-token");
    Files.writeString(file, SA_TOKEN);
    AzureCredentialProvider p = provider(Map.of(
        "AZURE_FEDERATED_TOKEN_FILE", file.toString(), "AZURE_CLIENT_ID", CLIENT_ID, "AZURE_TENANT_ID", TENANT));
    Credential c = p.fetch(request(spec(managedIdentity(null)), secrets, true));
    assertAcrLogin(c);
    assertThat(entra.requests()).singleElement().satisfies(r -> assertThat(r.form()).containsEntry("client_assertion", SA_TOKEN));
    assertThat(api.received).isEmpty();
  }

  @Test
  void managedIdentity_withoutWorkloadIdentity_asksTheInstanceMetadataService() throws Exception {
    long expiresOn = Instant.now().getEpochSecond() + 3600;
    try (StubServer imds = StubServer.http().handler(r -> {
      // What IMDS checks: a GET with the Metadata header on the token path, naming the resource.
      if (!r.method().equals("GET") || !"true".equals(r.header("Metadata"))
          || !r.path().equals("/metadata/identity/oauth2/token")) {
        return Response.json(400, "{\"error\":\"invalid_request\",\"error_description\":\"Required metadata header not specified\"}");
      }
      assertThat(r.query()).contains("api-version=").contains("resource=https%3A%2F%2Fmanagement.azure.com");
      return Response.json(200, "{\"access_token\":\"" + ENTRA_TOKEN + "\",\"expires_in\":\"3600\",\"expires_on\":\""
          + expiresOn + "\",\"resource\":\"https://management.azure.com/\",\"token_type\":\"Bearer\"}");
    })) {
      Object previous = msalEnvironment(Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.url() + "/"));
      try {
        Credential c = provider().fetch(request(spec(managedIdentity(null)), secrets, true));
        assertAcrLogin(c);
        assertThat(imds.requests()).hasSize(1);
        assertThat(entra.requests()).isEmpty();
      } finally {
        setMsalEnvironment(previous);
      }
    }
  }

  /**
   * MSAL finds the managed identity endpoint in the process environment only; AAD Pod Identity's
   * variable moves IMDS to the stub. This swaps MSAL's environment (its own test hook) and returns
   * the one it replaced.
   */
  static Object msalEnvironment(Map<String, String> variables) throws Exception {
    Class<?> type = Class.forName("com.microsoft.aad.msal4j.IEnvironmentVariables");
    java.lang.reflect.Method get = com.microsoft.aad.msal4j.ManagedIdentityApplication.class.getDeclaredMethod("getEnvironmentVariables");
    get.setAccessible(true);
    Object previous = get.invoke(null);
    setMsalEnvironment(java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> method.getName().equals("getEnvironmentVariable") ? variables.get((String) args[0]) : null));
    return previous;
  }

  static void setMsalEnvironment(Object environment) throws Exception {
    Class<?> type = Class.forName("com.microsoft.aad.msal4j.IEnvironmentVariables");
    java.lang.reflect.Method set = com.microsoft.aad.msal4j.ManagedIdentityApplication.class.getDeclaredMethod("setEnvironmentVariables", type);
    set.setAccessible(true);
    set.invoke(null, environment);
  }

  @Test
  void refreshTokenWithoutExpUsesTheDocumentedDefault() throws Exception {
    acr.handler(r -> Response.json(200, "{\"refresh_token\":\"opaque-refresh-token\"}"));
    Instant before = Instant.now();
    Credential c = provider().fetch(request(spec(clientSecret()), secrets, false));
    assertThat(c.expiresAt()).isBetween(before.plus(AzureCredentialProvider.DEFAULT_LIFETIME),
        Instant.now().plus(AzureCredentialProvider.DEFAULT_LIFETIME));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "400 | invalid_request     | AADSTS900144: The request body must contain client_id | AuthenticationFailed",
      "401 | invalid_client      | AADSTS7000215: Invalid client secret provided.        | AuthenticationFailed",
      "400 | unauthorized_client | AADSTS700016: Application not found in the directory | AuthenticationFailed",
      "403 | access_denied       | AADSTS50105: not assigned to a role                    | AccessDenied",
      "429 | temporarily_unavailable | AADSTS50196: too many requests                     | Throttled",
      "500 | server_error        | AADSTS90033: A transient error has occurred            | ProviderUnavailable",
  })
  void entraErrorsAreMapped(int status, String code, String description, String reason) {
    entra.handler(r -> Response.json(status, "{\"error\":\"" + code + "\",\"error_description\":\"" + description
        + " Trace ID: trace-77 Correlation ID: corr-88 secret " + CLIENT_SECRET + "\",\"error_codes\":[7000215],"
        + "\"trace_id\":\"trace-77\",\"correlation_id\":\"corr-88\"}").withHeader("x-ms-request-id", "trace-77"));
    try (var logs = new io.pullsecrets.operator.testing.SecretScan.LogCapture()) {
      assertThatThrownBy(() -> provider().fetch(request(spec(clientSecret()), secrets, false)))
          .isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("Entra").contains("trace-77").doesNotContain(CLIENT_SECRET);
          });
      // The Azure SDK logs the server's error text; the operator's logging keeps it out.
      assertThat(logs.lines()).noneMatch(l -> l.contains(CLIENT_SECRET));
    }
    assertThat(acr.requests()).isEmpty();
  }

  @Test
  void malformedEntraAnswerIsProviderUnavailable() {
    entra.handler(r -> Response.json(200, "{not json"));
    assertThatThrownBy(() -> provider().fetch(request(spec(clientSecret()), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isIn(Reasons.PROVIDER_UNAVAILABLE, Reasons.AUTHENTICATION_FAILED);
          assertThat(e.getMessage()).doesNotContain(CLIENT_SECRET);
        });
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "400 | AuthenticationFailed",
      "401 | AuthenticationFailed",
      "403 | AccessDenied",
      "404 | RegistryNotFound",
      "429 | Throttled",
      "500 | ProviderUnavailable",
      "503 | ProviderUnavailable",
  })
  void acrExchangeErrorsAreMapped(int status, String reason) {
    acr.handler(r -> Response.json(status, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad token "
        + r.form().get("access_token") + "\"}]}").withHeader("X-Ms-Correlation-Request-Id", "acr-corr-5"));
    assertThatThrownBy(() -> provider().fetch(request(spec(clientSecret()), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(reason);
          assertThat(e.getMessage()).contains("HTTP " + status, "acr-corr-5", "/oauth2/exchange")
              .doesNotContain(ENTRA_TOKEN).doesNotContain("entra-access-token").doesNotContain(CLIENT_SECRET);
        });
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"not json", "{}", "{\"refresh_token\":\"\"}", "{\"access_token\":\"x\"}"})
  void malformedAcrAnswersAreProviderUnavailable(String body) {
    acr.handler(r -> Response.json(200, body));
    assertThatThrownBy(() -> provider().fetch(request(spec(clientSecret()), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.PROVIDER_UNAVAILABLE);
          assertThat(e.getMessage()).doesNotContain(ENTRA_TOKEN);
        });
  }

  @Test
  void unreachableRegistryIsRegistryNotFound() {
    acr.close();
    assertThatThrownBy(() -> provider().fetch(request(spec(clientSecret()), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.REGISTRY_NOT_FOUND);
          assertThat(e.retryable()).isTrue();
        });
  }

  @Test
  void missingSecretAndKeys() {
    AzureAuthSpec auth = clientSecret();
    auth.getClientSecret().setSecretRef(new SecretReference("nope"));
    assertThatThrownBy(() -> provider().fetch(request(spec(auth), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.reason()).isEqualTo(Reasons.SOURCE_NOT_FOUND));
    assertThatThrownBy(() -> provider().fetch(request(spec(clientCertificate("sp")), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.INVALID_SOURCE);
          assertThat(e.getMessage()).contains("tls.crt");
        });
  }

  static AzureAuthSpec workloadIdentity(String serviceAccount, String audience) {
    AzureAuthSpec a = workloadIdentity();
    a.getWorkloadIdentity().setServiceAccountName(serviceAccount);
    a.getWorkloadIdentity().setAudience(audience);
    return a;
  }

  @ParameterizedTest
  @CsvSource({"api://AzureADTokenExchange", "api://AzureADTokenExchangeUSGov", "api://AzureADTokenExchangeChina"})
  void workloadIdentity_acceptsTheSovereignCloudAudiences(String audience) throws Exception {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", Fixtures.NAME, SA_TOKEN);
    assertAcrLogin(provider().fetch(request(spec(workloadIdentity("puller", audience)), secrets, false)));
    assertThat(api.received).singleElement().satisfies(t -> {
      assertThat(t.getSpec().getAudiences()).containsExactly(audience);
      assertThat(t.getSpec().getExpirationSeconds()).isEqualTo(600L);
    });
  }

  /** The Entra token goes to the registry: outside trusted namespaces only to ACR, or an allowed host. */
  @Test
  void registryMustBeAcrOutsideTrustedNamespaces() throws Exception {
    for (AzureAuthSpec auth : java.util.List.of(clientSecret(), workloadIdentity())) {
      api.serviceAccount(Fixtures.NAMESPACE, "puller", Fixtures.NAME, SA_TOKEN);
      ProviderException e = Fixtures.refused(() -> provider().fetch(Fixtures.request(spec(auth), secrets, false)), Reasons.NOT_PERMITTED);
      assertThat(e.getMessage()).contains("spec.provider.azure.registry", acr.hostPort(), ".azurecr.io",
      "PULLSECRET_ALLOWED_ENDPOINT_HOSTS").doesNotContain(CLIENT_SECRET);
    }
    assertThat(api.received).isEmpty();
    assertThat(entra.requests()).isEmpty();
    assertThat(acr.requests()).isEmpty();
    // Allowed by host (any port), or from a trusted namespace.
    assertAcrLogin(provider().fetch(Fixtures.request(spec(clientSecret()), secrets, false, "127.0.0.1")));
    Credential trusted = provider().fetch(Fixtures.request(spec(clientSecret()), secrets, true));
    assertThat(trusted.registries()).containsExactly(acr.hostPort());
    assertThat(acr.requests()).hasSize(2);
  }
}
