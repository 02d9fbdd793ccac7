package io.pullsecrets.operator.provider.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.client.http.javanet.NetHttpTransport;
import io.pullsecrets.operator.api.GcpAuthSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.Reasons;
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
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real google-auth-library against an HTTPS token stub (token_uri / token_url from the JSON, as
 * users set them) that checks the jwt-bearer and token-exchange grants, and a metadata server
 * stub for application default credentials.
 */
class GcpCredentialProviderTest implements ServiceAccountTokenRefusals {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String EMAIL = "puller@my-project.iam.gserviceaccount.com";
  static final String ACCESS_TOKEN = "ya29.google-access-token-do-not-leak";
  static final String FEDERATED_TOKEN = "ya29.sts-federated-token-do-not-leak";
  static final String SA_TOKEN = "eyJhbGciOiJSUzI1NiJ9.k8s-sa-token.do-not-leak";
  static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";

  static KeyPair saKey;
  static String privateKeyPem;
  static NetHttpTransport transport;
  static StubServer metadata;

  @RegisterExtension final Closer closer = new Closer();
  StubServer google;
  MockTokenApi api;
  final Fixtures.Secrets secrets = new Fixtures.Secrets();

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    saKey = g.generateKeyPair();
    privateKeyPem = TestTls.pem("PRIVATE KEY", saKey.getPrivate().getEncoded());
    metadata = StubServer.http();
    // A transport with the test trust store; requests to the metadata server go to its stub
    // (in a pod, metadata.google.internal and 169.254.169.254 reach the GKE metadata server).
    transport = new NetHttpTransport.Builder()
        .setSslSocketFactory(TestTls.clientContext().getSocketFactory())
        .setConnectionFactory(url -> {
          String host = url.getHost();
          URL target = host.equals("metadata.google.internal") || host.equals("169.254.169.254")
              ? new URL("http://" + metadata.hostPort() + url.getFile()) : url;
          return (HttpURLConnection) target.openConnection();
        })
        .build();
  }

  @BeforeEach
  void start() throws Exception {
    google = closer.add(StubServer.https(TestTls.serverContext()).handler(this::googleAnswer));
    api = closer.add(new MockTokenApi());
    closer.add(() -> {
      metadata.handler(r -> Response.json(404, "{}"));
      metadata.verify();
    });
    secrets.put(Fixtures.secret("gcp-key", Map.of("key.json", keyJson())));
    secrets.put(Fixtures.secret("wif", Map.of("credential-configuration.json", externalJson(null, null))));
  }

  /**
   * A request whose token endpoints (the local stub) are allowed the way an administrator allows
   * a private endpoint: PULLSECRET_ALLOWED_ENDPOINT_HOSTS=127.0.0.1:<port>.
   */
  ProviderRequest request(ProviderSpec spec, Fixtures.Secrets secrets, boolean trusted) {
    return Fixtures.request(spec, secrets, trusted, google.hostPort());
  }

  @Override
  public Borrower borrower() {
    return new Borrower(api, List.of(google), "spec.provider.gcp.auth.externalAccount.audience", GCP_AUDIENCE,
        (serviceAccount, audience, trusted) -> provider().fetch(request(spec(external("wif", serviceAccount, audience), "gcr.io"),
            secrets, trusted)));
  }

  /**
   * The provider with the test transport. Its ambient credentials are what application default
   * credentials are in a GKE pod (no GOOGLE_APPLICATION_CREDENTIALS, no gcloud well-known file):
   * the metadata server's, here its stub. Not looked up in this machine's environment, where a
   * developer's own Google credentials would be found first.
   */
  GcpCredentialProvider provider() {
    DefaultGcpClientFactory clients = new DefaultGcpClientFactory(transport);
    return new GcpCredentialProvider(new GcpClientFactory() {
      @Override
      public com.google.auth.http.HttpTransportFactory transport() {
        return clients.transport();
      }

      @Override
      public com.google.auth.oauth2.GoogleCredentials ambient() {
        return com.google.auth.oauth2.ComputeEngineCredentials.newBuilder().setHttpTransportFactory(clients.transport()).build();
      }
    }, api.tokens());
  }

  String keyJson() throws Exception {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "service_account");
    n.put("project_id", "my-project");
    n.put("private_key_id", "0123456789abcdef0123456789abcdef01234567");
    n.put("private_key", privateKeyPem);
    n.put("client_email", EMAIL);
    n.put("client_id", "100000000000000000001");
    n.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
    n.put("token_uri", google.url() + "/token");
    return JSON.writeValueAsString(n);
  }

  String externalJson(String impersonate, Path tokenFile) throws Exception {
    return externalJson(impersonate, tokenFile, GCP_AUDIENCE, google.url(), google.url());
  }

  String externalJson(String impersonate, Path tokenFile, String audience, String sts, String iamCredentials) throws Exception {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "external_account");
    n.put("audience", audience);
    n.put("subject_token_type", "urn:ietf:params:oauth:token-type:jwt");
    n.put("token_url", sts + "/v1/token");
    if (impersonate != null) {
      n.put("service_account_impersonation_url",
          iamCredentials + "/v1/projects/-/serviceAccounts/" + impersonate + ":generateAccessToken");
    }
    ObjectNode source = n.putObject("credential_source");
    source.put("file", tokenFile == null ? "/var/run/service-account/token" : tokenFile.toString());
    source.putObject("format").put("type", "text");
    return JSON.writeValueAsString(n);
  }

  static final String METADATA_TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token";

  /**
   * What the GKE/GCE metadata server checks: GET only; the detection ping at {@code /} and the
   * default service account's token, nothing else (404); {@code /computeMetadata/} paths without
   * the {@code Metadata-Flavor: Google} header are refused (403).
   */
  static Response metadataAnswer(Request r) {
    if (!r.method().equals("GET")) {
      return Response.of(405, "text/html", "Method Not Allowed").withHeader("Metadata-Flavor", "Google");
    }
    if (r.path().equals("/") || r.path().isEmpty()) {
      return Response.of(200, "application/text", "computeMetadata/").withHeader("Metadata-Flavor", "Google");
    }
    if (r.path().startsWith("/computeMetadata/") && !"Google".equals(r.header("metadata-flavor"))) {
      return Response.of(403, "text/html", "Missing Metadata-Flavor:Google header.").withHeader("Metadata-Flavor", "Google");
    }
    if (r.path().equals(METADATA_TOKEN_PATH)) {
      return Response.json(200, "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"expires_in\":1800,\"token_type\":\"Bearer\"}")
          .withHeader("Metadata-Flavor", "Google");
    }
    return Response.of(404, "text/html", "Not Found").withHeader("Metadata-Flavor", "Google");
  }

  /** What Google checks: the jwt-bearer grant, the STS token exchange, IAM credentials impersonation. */
  Response googleAnswer(Request r) {
    assertThat(r.method()).isEqualTo("POST");
    switch (r.path()) {
      case "/token" -> {
        Map<String, String> form = r.form();
        assertThat(form).containsEntry("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
        TestJwt.Parts jwt = TestJwt.verifyRsa(form.get("assertion"), saKey.getPublic());
        assertThat(jwt.header().path("kid").asText()).isEqualTo("0123456789abcdef0123456789abcdef01234567");
        assertThat(jwt.claims().path("iss").asText()).isEqualTo(EMAIL);
        // Google checks the audience of its own token endpoint, whatever URL the key names.
        assertThat(jwt.claims().path("aud").asText()).isEqualTo("https://oauth2.googleapis.com/token");
        assertThat(jwt.claims().path("scope").asText()).isEqualTo(SCOPE);
        assertThat(jwt.claims().path("exp").asLong()).isGreaterThan(Instant.now().getEpochSecond());
        return Response.json(200, "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
      }
      case "/v1/token" -> {
        Map<String, String> form = r.form();
        assertThat(form).containsEntry("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange")
            .containsEntry("audience", GCP_AUDIENCE)
            .containsEntry("requested_token_type", "urn:ietf:params:oauth:token-type:access_token")
            .containsEntry("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")
            .containsEntry("subject_token", SA_TOKEN);
        assertThat(form.get("scope")).contains(SCOPE);
        return Response.json(200, "{\"access_token\":\"" + FEDERATED_TOKEN + "\",\"issued_token_type\":"
            + "\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
      }
      default -> {
        assertThat(r.path()).isEqualTo("/v1/projects/-/serviceAccounts/" + EMAIL + ":generateAccessToken");
        assertThat(r.header("authorization")).isEqualTo("Bearer " + FEDERATED_TOKEN);
        try {
          JsonNode body = JSON.readTree(r.body());
          assertThat(body.path("scope").toString()).contains(SCOPE);
        } catch (java.io.IOException e) {
          throw new AssertionError(e);
        }
        return Response.json(200, "{\"accessToken\":\"" + ACCESS_TOKEN + "\",\"expireTime\":\"2030-01-01T01:00:00Z\"}");
      }
    }
  }

  static ProviderSpec spec(GcpAuthSpec auth, String... registries) {
    return Fixtures.provider("gcp", auth, registries);
  }

  static GcpAuthSpec key(String secret) {
    return Fixtures.yaml(GcpAuthSpec.class, "serviceAccountKey: {secretRef: {name: '%s'}}".formatted(secret));
  }

  static GcpAuthSpec external(String secret, String serviceAccount) {
    GcpAuthSpec a = Fixtures.yaml(GcpAuthSpec.class, "externalAccount: {secretRef: {name: '%s'}}".formatted(secret));
    a.getExternalAccount().setServiceAccountName(serviceAccount);
    return a;
  }

  static GcpAuthSpec ambient() {
    return Fixtures.yaml(GcpAuthSpec.class, "ambient: {}");
  }

  static void assertLogins(Credential c, String password, String... registries) throws Exception {
    assertThat(c.registries()).containsExactly(registries);
    for (String r : registries) {
      JsonNode entry = Fixtures.dockerConfigEntry(c.dockerConfigJson(), r);
      assertThat(entry.get("username").asText()).isEqualTo("oauth2accesstoken");
      assertThat(entry.get("password").asText()).isEqualTo(password);
    }
  }

  @Test
  void serviceAccountKey_jwtBearerGrantAtTokenUri() throws Exception {
    Instant before = Instant.now();
    Credential c = provider().fetch(request(spec(key("gcp-key"), "europe-docker.pkg.dev", "gcr.io"), secrets, false));
    assertLogins(c, ACCESS_TOKEN, "europe-docker.pkg.dev", "gcr.io");
    assertThat(c.expiresAt()).isBetween(before.plusSeconds(3590), Instant.now().plusSeconds(3600));
    assertThat(google.requests()).hasSize(1);
  }

  @Test
  void externalAccount_tokenExchangeWithAServiceAccountToken() throws Exception {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", Fixtures.NAME, SA_TOKEN);
    Instant before = Instant.now();
    Credential c = provider().fetch(request(spec(external("wif", "puller"), "us-docker.pkg.dev"), secrets, false));
    assertLogins(c, FEDERATED_TOKEN, "us-docker.pkg.dev");
    assertThat(c.expiresAt()).isBetween(before.plusSeconds(3590), Instant.now().plusSeconds(3601));
    assertThat(api.received).singleElement()
        .satisfies(t -> assertThat(t.getSpec().getAudiences()).containsExactly("https:" + GCP_AUDIENCE));
    assertThat(google.requests()).singleElement().satisfies(r -> assertThat(r.path()).isEqualTo("/v1/token"));
  }

  @Test
  void externalAccount_withServiceAccountImpersonation() throws Exception {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", Fixtures.NAME, SA_TOKEN);
    secrets.put(Fixtures.secret("wif-imp", Map.of("credential-configuration.json", externalJson(EMAIL, null))));
    Credential c = provider().fetch(request(spec(external("wif-imp", "puller"), "gcr.io"), secrets, false));
    assertLogins(c, ACCESS_TOKEN, "gcr.io");
    assertThat(c.expiresAt()).isEqualTo(Instant.parse("2030-01-01T01:00:00Z"));
    assertThat(google.requests()).extracting(Request::path)
        .containsExactly("/v1/token", "/v1/projects/-/serviceAccounts/" + EMAIL + ":generateAccessToken");
  }

  @Test
  void externalAccount_fileCredentialSourceOnlyForTrustedNamespaces(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, SA_TOKEN);
    secrets.put(Fixtures.secret("wif-file", Map.of("credential-configuration.json", externalJson(null, file))));

    Fixtures.refused(() -> provider().fetch(request(spec(external("wif-file", null), "gcr.io"), secrets, false)), Reasons.NOT_PERMITTED);
    assertThat(google.requests()).isEmpty();

    Credential c = provider().fetch(request(spec(external("wif-file", null), "gcr.io"), secrets, true));
    assertLogins(c, FEDERATED_TOKEN, "gcr.io");
  }

  @Test
  void ambient_applicationDefaultCredentialsFromTheMetadataServer() throws Exception {
    Fixtures.fails(() -> provider().fetch(request(spec(ambient(), "gcr.io"), secrets, false)), Reasons.NOT_PERMITTED);
    metadata.handler(GcpCredentialProviderTest::metadataAnswer);
    int seen = metadata.requests().size();
    Instant before = Instant.now();
    Credential c = provider().fetch(request(spec(ambient(), "gcr.io"), secrets, true));
    assertLogins(c, ACCESS_TOKEN, "gcr.io");
    assertThat(c.expiresAt()).isBetween(before.plusSeconds(1790), Instant.now().plusSeconds(1801));
    List<Request> made = metadata.requests().subList(seen, metadata.requests().size());
    assertThat(made).anySatisfy(r -> {
      assertThat(r.path()).isEqualTo(METADATA_TOKEN_PATH);
      assertThat(r.header("metadata-flavor")).isEqualTo("Google");
    });
  }

  /** The metadata stub answers only what the metadata server serves: another path is a 404, not a token. */
  @Test
  void metadataStubServesOnlyTheTokenPathAndTheFlavorHeaderIsRequired() throws Exception {
    metadata.handler(GcpCredentialProviderTest::metadataAnswer);
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.util.function.BiFunction<String, Boolean, Integer> get = (path, flavor) -> {
      var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(metadata.url() + path));
      if (flavor) {
        b.header("Metadata-Flavor", "Google");
      }
      try {
        return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    assertThat(get.apply(METADATA_TOKEN_PATH, true)).isEqualTo(200);
    assertThat(get.apply(METADATA_TOKEN_PATH, false)).isEqualTo(403);
    assertThat(get.apply("/computeMetadata/v1/instance/service-accounts/other/token", true)).isEqualTo(404);
    assertThat(get.apply("/anything", true)).isEqualTo(404);
  }

  @Test
  void badInput() {
    secrets.put(Fixtures.secret("not-json", Map.of("key.json", "{{{" + privateKeyPem)));
    secrets.put(Fixtures.secret("wrong-type", Map.of("key.json", "{\"type\":\"authorized_user\"}")));
    for (String name : List.of("not-json", "wrong-type")) {
      ProviderException e = Fixtures.refused(() -> provider().fetch(request(spec(key(name), "gcr.io"), secrets, false)), Reasons.INVALID_SOURCE);
      assertThat(e.getMessage()).doesNotContain("PRIVATE KEY").doesNotContain("{{{");
    }
    Fixtures.fails(() -> provider().fetch(request(spec(key("missing"), "gcr.io"), secrets, false)), Reasons.SOURCE_NOT_FOUND);
    Fixtures.fails(() -> provider().fetch(request(spec(key("gcp-key"), "https://gcr.io/project/x"), secrets, false)), Reasons.INVALID_SOURCE);
    assertThat(google.requests()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "key      | 400 | invalid_grant       | Invalid JWT Signature.       | AuthenticationFailed",
      "key      | 401 | invalid_client      | The OAuth client was not found. | AuthenticationFailed",
      "key      | 403 | access_denied       | Permission denied            | AccessDenied",
      "key      | 404 | not_found           | Not Found                    | RegistryNotFound",
      "key      | 429 | rate_limit_exceeded | Quota exceeded               | Throttled",
      "key      | 500 | internal_failure    | Backend error                | ProviderUnavailable",
      "key      | 503 | unavailable         | Backend error                | ProviderUnavailable",
      "external | 400 | invalid_grant       | The audience in ID Token does not match | AuthenticationFailed",
      "external | 401 | invalid_client      | unknown client               | AuthenticationFailed",
      "external | 403 | access_denied       | Permission iam.serviceAccounts.getAccessToken denied | AccessDenied",
      "external | 404 | not_found           | Not Found                    | RegistryNotFound",
      "external | 429 | rate_limit_exceeded | Quota exceeded               | Throttled",
      "external | 500 | internal_failure    | Backend error                | ProviderUnavailable",
  })
  void tokenEndpointErrorsAreMapped(String mode, int status, String code, String description, String reason) {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", Fixtures.NAME, SA_TOKEN);
    google.handler(r -> Response.json(status, "{\"error\":\"" + code + "\",\"error_description\":\"" + description
        + " " + r.form().getOrDefault("subject_token", "") + "\"}"));
    GcpAuthSpec auth = mode.equals("key") ? key("gcp-key") : external("wif", "puller");
    assertThatThrownBy(() -> provider().fetch(request(spec(auth, "gcr.io"), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
          assertThat(e.retryable()).isTrue();
          assertThat(e.getMessage()).contains("Google token request", "HTTP " + status)
              .doesNotContain(SA_TOKEN).doesNotContain("k8s-sa-token").doesNotContain("PRIVATE KEY");
        });
    assertThat(google.requests()).hasSize(1); // the library's retries are off: the reconciler backs off
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"key | not json", "key | {}", "external | not json", "external | {\"token_type\":\"Bearer\"}"})
  void malformedAnswersAreProviderUnavailable(String mode, String body) {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", Fixtures.NAME, SA_TOKEN);
    google.handler(r -> Response.json(200, body));
    GcpAuthSpec auth = mode.equals("key") ? key("gcp-key") : external("wif", "puller");
    assertThatThrownBy(() -> provider().fetch(request(spec(auth, "gcr.io"), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reasons.PROVIDER_UNAVAILABLE);
          assertThat(e.getMessage()).doesNotContain(SA_TOKEN);
        });
  }

  static GcpAuthSpec external(String secret, String serviceAccount, String audience) {
    GcpAuthSpec a = external(secret, serviceAccount);
    a.getExternalAccount().setAudience(audience);
    return a;
  }

  /** The attack's other half: the token goes to the tenant's own token_url. Only Google's, or an allowed host. */
  @Test
  void externalAccount_tokenUrlMustBeGoogleOutsideTrustedNamespaces() throws Exception {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", "*", SA_TOKEN);
    ProviderException refused = Fixtures.refused(() -> provider().fetch(Fixtures.request(spec(external("wif", "puller"), "gcr.io"), secrets, false)), Reasons.NOT_PERMITTED);
    assertThat(refused.getMessage()).contains("token_url", "127.0.0.1", "https://sts.googleapis.com/",
    "PULLSECRET_ALLOWED_ENDPOINT_HOSTS");
    assertThat(api.received).as("no TokenRequest").isEmpty();
    assertThat(google.requests()).as("nothing sent to the tenant's host").isEmpty();

    // An administrator allows the host (with or without its port), or the namespace is trusted.
    for (ProviderRequest allowed : List.of(Fixtures.request(spec(external("wif", "puller"), "gcr.io"), secrets, false, "127.0.0.1"),
        Fixtures.request(spec(external("wif", "puller"), "gcr.io"), secrets, false, google.hostPort()),
        Fixtures.request(spec(external("wif", "puller"), "gcr.io"), secrets, true))) {
      assertLogins(provider().fetch(allowed), FEDERATED_TOKEN, "gcr.io");
    }
    assertThat(api.received).hasSize(3);
    // Another port of the same host is not allowed by a host:port entry.
    assertThatThrownBy(() -> provider().fetch(Fixtures.request(spec(external("wif", "puller"), "gcr.io"), secrets, false,
        "127.0.0.1:1")))
        .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.reason()).isEqualTo(Reasons.NOT_PERMITTED));
    assertThat(api.received).hasSize(3);
  }

  @Test
  void externalAccount_impersonationUrlMustBeGoogleOutsideTrustedNamespaces() throws Exception {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", "*", SA_TOKEN);
    secrets.put(Fixtures.secret("wif-imp", Map.of("credential-configuration.json",
        externalJson(EMAIL, null, GCP_AUDIENCE, "https://sts.googleapis.com", google.url()))));
    assertThatThrownBy(() -> provider().fetch(Fixtures.request(spec(external("wif-imp", "puller"), "gcr.io"), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.NOT_PERMITTED);
          assertThat(e.getMessage()).contains("service_account_impersonation_url", "https://iamcredentials.googleapis.com/");
        });
    assertThat(api.received).isEmpty();
    assertThat(google.requests()).isEmpty();
  }

  @Test
  void serviceAccountKey_tokenUriMustBeGoogleOutsideTrustedNamespaces() throws Exception {
    ProviderException e = Fixtures.refused(() -> provider().fetch(Fixtures.request(spec(key("gcp-key"), "gcr.io"), secrets, false)), Reasons.NOT_PERMITTED);
    assertThat(e.getMessage()).contains("token_uri", "https://oauth2.googleapis.com/token")
    .doesNotContain("PRIVATE KEY").doesNotContain(privateKeyPem.substring(40, 80));
    assertThat(google.requests()).as("the signed assertion was not sent").isEmpty();
    assertLogins(provider().fetch(Fixtures.request(spec(key("gcp-key"), "gcr.io"), secrets, false, "127.0.0.1")), ACCESS_TOKEN, "gcr.io");
    assertLogins(provider().fetch(Fixtures.request(spec(key("gcp-key"), "gcr.io"), secrets, true)), ACCESS_TOKEN, "gcr.io");
  }

  /** The audience the credential configuration names is checked as the spec's is (the spec's: {@link ServiceAccountTokenRefusals}). */
  @ParameterizedTest
  @CsvSource(nullValues = "null", value = {
      // spec audience | configuration audience | trusted | reason
      "null | https://kubernetes.default.svc | false | InvalidSpec",
      "null | https://kubernetes.default.svc/ | true | InvalidSpec",
      "null | evil | false | NotPermitted",
      "//iam.googleapis.com/projects/999/locations/global/workloadIdentityPools/other/providers/p | " + GCP_AUDIENCE + " | false | NotPermitted",
  }, delimiter = '|')
  void externalAccount_refusesForeignAudiences(String audience, String configAudience, boolean trusted, String reason)
      throws Exception {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", "*", SA_TOKEN);
    secrets.put(Fixtures.secret("wif-aud", Map.of("credential-configuration.json",
        externalJson(null, null, configAudience, google.url(), google.url()))));
    ProviderException e = Fixtures.refused(() -> provider().fetch(request(spec(external("wif-aud", "puller", audience), "gcr.io"), secrets, trusted)), reason);
    assertThat(e.getMessage()).contains("spec.provider.gcp.auth.externalAccount.audience");
    assertThat(api.received).as("no TokenRequest").isEmpty();
    assertThat(google.requests()).isEmpty();
  }

  @Test
  void externalAccount_acceptsTheConfigurationsAudienceWithOrWithoutHttps() throws Exception {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", Fixtures.NAME, SA_TOKEN);
    for (String audience : List.of(GCP_AUDIENCE, "https:" + GCP_AUDIENCE)) {
      assertLogins(provider().fetch(request(spec(external("wif", "puller", audience), "gcr.io"), secrets, false)),
          FEDERATED_TOKEN, "gcr.io");
    }
    assertThat(api.received).extracting(t -> t.getSpec().getAudiences()).containsExactly(List.of(GCP_AUDIENCE),
        List.of("https:" + GCP_AUDIENCE));
    assertThat(api.received).allSatisfy(t -> assertThat(t.getSpec().getExpirationSeconds()).isEqualTo(600L));
  }
}
