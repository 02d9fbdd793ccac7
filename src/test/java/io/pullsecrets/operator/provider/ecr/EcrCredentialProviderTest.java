package io.pullsecrets.operator.provider.ecr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pullsecrets.operator.api.AwsAssumeRoleSpec;
import io.pullsecrets.operator.api.EcrAuthSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.cloud.MockTokenApi;
import io.pullsecrets.operator.provider.cloud.ServiceAccountTokenRefusals;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/** The real AWS SDK against local ECR and STS stubs that check SigV4 and the STS forms. */
class EcrCredentialProviderTest implements ServiceAccountTokenRefusals {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ACCOUNT_A = EcrStub.ACCOUNT_1.id();
  static final String ACCOUNT_B = EcrStub.ACCOUNT_2.id();
  static final String EU_A = EcrStub.ACCOUNT_1.registry("eu-west-1");
  static final String EU_B = EcrStub.ACCOUNT_2.registry("eu-west-1");
  static final String US_A = EcrStub.ACCOUNT_1.registry("us-east-1");
  /** The user's keys, from a Secret (the session token only where a test adds it). */
  static final AwsSessionCredentials USER_KEYS = AwsSessionCredentials.create("AKIAEXAMPLEKEYID0001",
      "user-secret-access-key-do-not-leak", "user-session-token-do-not-leak");
  static final String STS_KEY_ID = "ASIASTSISSUEDKEY0001";
  static final String STS_SECRET = "sts-issued-secret-do-not-leak";
  static final String STS_SESSION = "sts-issued-session-token-do-not-leak";
  static final String SA_TOKEN = "eyJhbGciOiJSUzI1NiJ9.service-account-token.do-not-leak";
  static final String ROLE = "arn:aws:iam::111111111111:role/puller";
  static final Instant EXPIRES = Instant.parse("2030-01-01T12:00:00Z");

  @RegisterExtension final Closer closer = new Closer();
  StubServer ecr;
  StubServer sts;
  MockTokenApi api;
  /** access key id -> secret key the stubs accept. */
  final Map<String, String> knownKeys = new ConcurrentHashMap<>(Map.of(USER_KEYS.accessKeyId(), USER_KEYS.secretAccessKey(), STS_KEY_ID, STS_SECRET));
  final Fixtures.Secrets secrets = new Fixtures.Secrets();

  @BeforeEach
  void start() throws Exception {
    ecr = closer.add(StubServer.http().handler(this::ecrAnswer));
    sts = closer.add(StubServer.http().handler(this::stsAnswer));
    api = closer.add(new MockTokenApi());
    secrets.put(Fixtures.secret("aws-keys", Map.of("accessKeyId", USER_KEYS.accessKeyId(), "secretAccessKey", USER_KEYS.secretAccessKey())));
  }

  EcrCredentialProvider provider(Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("AWS_ENDPOINT_URL_ECR", ecr.url());
    env.put("AWS_ENDPOINT_URL_STS", sts.url());
    return new EcrCredentialProvider(new DefaultAwsClientFactory(env), api.tokens());
  }

  EcrCredentialProvider provider() {
    return provider(Map.of());
  }

  @Override
  public Borrower borrower() {
    return new Borrower(api, List.of(sts, ecr), "spec.provider.ecr.auth.webIdentity.audience", AWS_AUDIENCE,
        (serviceAccount, audience, trusted) -> provider().fetch(Fixtures.request(spec(webIdentity(serviceAccount, audience), EU_A),
            secrets, trusted)));
  }

  /** What ECR checks: the target, a valid SigV4 signature for service ecr, the session token. */
  Response ecrAnswer(Request r) {
    if (!"AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken".equals(r.header("x-amz-target"))) {
      return Response.json(400, "{\"__type\":\"UnknownOperationException\"}");
    }
    SigV4.Signed signed = SigV4.verify(r, knownKeys);
    assertThat(signed.service()).isEqualTo("ecr");
    if (signed.accessKeyId().equals(STS_KEY_ID)) {
      assertThat(r.header("x-amz-security-token")).isEqualTo(STS_SESSION);
    }
    try {
      JsonNode body = JSON.readTree(r.body());
      List<String> ids = new ArrayList<>();
      body.path("registryIds").forEach(n -> ids.add(n.asText()));
      StringBuilder data = new StringBuilder();
      for (String id : ids) {
        String token = Base64.getEncoder().encodeToString(
            ("AWS:ecr-password-" + signed.region() + "-" + id).getBytes(StandardCharsets.UTF_8));
        long exp = EXPIRES.getEpochSecond() + (signed.region().equals("us-east-1") ? -60 : 0);
        if (data.length() > 0) data.append(',');
        data.append("{\"authorizationToken\":\"").append(token).append("\",\"expiresAt\":").append(exp)
            .append(",\"proxyEndpoint\":\"https://").append(id).append(".dkr.ecr.").append(signed.region())
            .append(".amazonaws.com\"}");
      }
      return Response.json(200, "{\"authorizationData\":[" + data + "]}").withHeader("x-amzn-RequestId", "req-ecr-1");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String stsCredentials(String action) {
    return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + action + "Result>"
        + "<Credentials><AccessKeyId>" + STS_KEY_ID + "</AccessKeyId><SecretAccessKey>" + STS_SECRET
        + "</SecretAccessKey><SessionToken>" + STS_SESSION + "</SessionToken><Expiration>2030-01-01T13:00:00Z</Expiration>"
        + "</Credentials><AssumedRoleUser><Arn>" + ROLE + "/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>"
        + "</" + action + "Result><ResponseMetadata><RequestId>req-sts-1</RequestId></ResponseMetadata></" + action + "Response>";
  }

  /** What STS checks: the action form; AssumeRole signed for sts, web identity unsigned with the token. */
  Response stsAnswer(Request r) {
    Map<String, String> form = r.form();
    assertThat(r.method()).isEqualTo("POST");
    assertThat(form).containsEntry("Version", "2011-06-15").containsEntry("RoleArn", ROLE);
    assertThat(form.get("RoleSessionName")).matches("[\\w+=,.@-]{2,64}");
    switch (form.get("Action")) {
      case "AssumeRoleWithWebIdentity" -> {
        assertThat(r.header("authorization")).isNull();
        assertThat(form.get("WebIdentityToken")).isEqualTo(SA_TOKEN);
        return Response.of(200, "text/xml", stsCredentials("AssumeRoleWithWebIdentity"));
      }
      case "AssumeRole" -> {
        SigV4.Signed signed = SigV4.verify(r, knownKeys);
        assertThat(signed.service()).isEqualTo("sts");
        assertThat(signed.accessKeyId()).isEqualTo(USER_KEYS.accessKeyId());
        assertThat(form).containsEntry("ExternalId", "ext-123");
        return Response.of(200, "text/xml", stsCredentials("AssumeRole"));
      }
      default -> throw new AssertionError("unexpected action");
    }
  }

  static ProviderSpec spec(EcrAuthSpec auth, String... registries) {
    return Fixtures.provider("ecr", auth, registries);
  }

  static EcrAuthSpec accessKeys(String secret) {
    return Fixtures.yaml(EcrAuthSpec.class, "accessKeys: {secretRef: {name: '%s'}}".formatted(secret));
  }

  static EcrAuthSpec webIdentity(String sa) {
    return Fixtures.yaml(EcrAuthSpec.class, "webIdentity: {serviceAccountName: '%s', roleArn: '%s'}".formatted(sa, ROLE));
  }

  static EcrAuthSpec ambient() {
    return Fixtures.yaml(EcrAuthSpec.class, "ambient: {}");
  }

  static Map<String, Map<String, String>> auths(Credential c) throws Exception {
    JsonNode root = JSON.readTree(c.dockerConfigJson());
    Map<String, Map<String, String>> out = new java.util.LinkedHashMap<>();
    root.get("auths").fields().forEachRemaining(e -> out.put(e.getKey(),
        Map.of("username", e.getValue().get("username").asText(), "password", e.getValue().get("password").asText())));
    return out;
  }

  @Test
  void accessKeysOneCallPerRegionWithRegistryIds() throws Exception {
    Credential c = provider().fetch(Fixtures.request(spec(accessKeys("aws-keys"), EU_A, US_A, EU_B), secrets, false));

    assertThat(c.registries()).containsExactly(EU_A, US_A, EU_B);
    Map<String, Map<String, String>> auths = auths(c);
    assertThat(auths.get(EU_A)).containsEntry("username", "AWS").containsEntry("password", "ecr-password-eu-west-1-" + ACCOUNT_A);
    assertThat(auths.get(EU_B)).containsEntry("password", "ecr-password-eu-west-1-" + ACCOUNT_B);
    assertThat(auths.get(US_A)).containsEntry("password", "ecr-password-us-east-1-" + ACCOUNT_A);
    assertThat(c.expiresAt()).isEqualTo(EXPIRES.minusSeconds(60));

    List<Request> calls = ecr.requests();
    assertThat(calls).hasSize(2);
    assertThat(calls).allSatisfy(r -> assertThat(r.header("authorization")).contains("Credential=" + USER_KEYS.accessKeyId() + "/"));
    JsonNode eu = JSON.readTree(calls.stream().filter(r -> r.header("authorization").contains("/eu-west-1/")).findFirst().orElseThrow().body());
    assertThat(eu.get("registryIds").toString()).isEqualTo("[\"" + ACCOUNT_A + "\",\"" + ACCOUNT_B + "\"]");
    assertThat(sts.requests()).isEmpty();
  }

  @Test
  void accessKeysWithSessionTokenSendTheSecurityToken() throws Exception {
    secrets.put(Fixtures.secret("temp-keys",
        Map.of("accessKeyId", USER_KEYS.accessKeyId(), "secretAccessKey", USER_KEYS.secretAccessKey(), "sessionToken", USER_KEYS.sessionToken())));
    provider().fetch(Fixtures.request(spec(accessKeys("temp-keys"), EU_A), secrets, false));
    assertThat(ecr.requests()).singleElement().satisfies(r -> {
      assertThat(r.header("x-amz-security-token")).isEqualTo(USER_KEYS.sessionToken());
      assertThat(r.header("authorization")).contains("x-amz-security-token");
    });
  }

  @Test
  void assumeRoleOnTopOfAccessKeys() throws Exception {
    EcrAuthSpec auth = accessKeys("aws-keys");
    AwsAssumeRoleSpec role = new AwsAssumeRoleSpec();
    role.setRoleArn(ROLE);
    role.setExternalId("ext-123");
    auth.setAssumeRole(role);

    Credential c = provider().fetch(Fixtures.request(spec(auth, EU_A), secrets, false));

    assertThat(auths(c).get(EU_A)).containsEntry("password", "ecr-password-eu-west-1-" + ACCOUNT_A);
    assertThat(sts.requests()).singleElement().satisfies(r -> {
      assertThat(r.form()).containsEntry("Action", "AssumeRole");
      assertThat(r.header("authorization")).contains("/eu-west-1/sts/aws4_request");
    });
    assertThat(ecr.requests()).singleElement()
        .satisfies(r -> assertThat(r.header("authorization")).contains("Credential=" + STS_KEY_ID + "/"));
  }

  @Test
  void webIdentityRequestsAServiceAccountTokenAndAssumesTheRole() throws Exception {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", Fixtures.NAME, SA_TOKEN);

    Credential c = provider().fetch(Fixtures.request(spec(webIdentity("puller"), EU_A), secrets, false));

    assertThat(auths(c).get(EU_A)).containsEntry("password", "ecr-password-eu-west-1-" + ACCOUNT_A);
    assertThat(api.received).singleElement().satisfies(t -> {
      assertThat(t.getSpec().getAudiences()).containsExactly("sts.amazonaws.com");
      assertThat(t.getSpec().getExpirationSeconds()).isEqualTo(600L);
    });
    assertThat(sts.requests()).singleElement().satisfies(r -> {
      assertThat(r.form()).containsEntry("Action", "AssumeRoleWithWebIdentity");
      assertThat(r.form().get("RoleSessionName")).isEqualTo("pullsecrets-team-a-pull");
    });
    assertThat(ecr.requests()).singleElement().satisfies(r -> {
      assertThat(r.header("authorization")).contains("Credential=" + STS_KEY_ID + "/");
      assertThat(r.header("x-amz-security-token")).isEqualTo(STS_SESSION);
    });
  }

  static EcrAuthSpec webIdentity(String sa, String audience) {
    EcrAuthSpec auth = webIdentity(sa);
    auth.getWebIdentity().setAudience(audience);
    return auth;
  }

  @ParameterizedTest
  @CsvSource({"'pull'", "'*'", "'other, pull'", "' pull ,x'"})
  void webIdentityWorksForAServiceAccountListingTheCredential(String annotation) throws Exception {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", annotation, SA_TOKEN);
    Credential c = provider().fetch(Fixtures.request(spec(webIdentity("puller"), EU_A), secrets, false));
    assertThat(auths(c).get(EU_A)).containsEntry("password", "ecr-password-eu-west-1-" + ACCOUNT_A);
    assertThat(api.received).hasSize(1);
  }

  @Test
  void webIdentityInATrustedNamespaceMayUseItsOwnAudience() throws Exception {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", Fixtures.NAME, SA_TOKEN);
    provider().fetch(Fixtures.request(spec(webIdentity("puller", "my-private-sts"), EU_A), secrets, true));
    assertThat(api.received).singleElement().satisfies(t -> {
      assertThat(t.getSpec().getAudiences()).containsExactly("my-private-sts");
      assertThat(t.getSpec().getExpirationSeconds()).isEqualTo(600L);
      assertThat(t.getSpec().getBoundObjectRef()).isNull();
    });
  }

  @Test
  void webIdentityWhenTheOperatorMayNotRequestTokens() {
    api.failing(Fixtures.NAMESPACE, "puller", Fixtures.NAME, 403);
    Fixtures.fails(() -> provider().fetch(Fixtures.request(spec(webIdentity("puller"), EU_A), secrets, false)), Reasons.NOT_PERMITTED);
  }

  @Test
  void ambientIsRefusedOutsideTrustedNamespaces() {
    Fixtures.refused(() -> provider().fetch(Fixtures.request(spec(ambient(), EU_A), secrets, false)), Reasons.NOT_PERMITTED);
    assertThat(ecr.requests()).isEmpty();
    assertThat(sts.requests()).isEmpty();
  }

  @Test
  void ambientWithTheOperatorsWebIdentityTokenFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, SA_TOKEN + "\n");
    EcrCredentialProvider p = provider(Map.of("AWS_WEB_IDENTITY_TOKEN_FILE", file.toString(), "AWS_ROLE_ARN", ROLE));

    Credential c = p.fetch(Fixtures.request(spec(ambient(), EU_A), secrets, true));

    assertThat(auths(c)).containsKey(EU_A);
    assertThat(sts.requests()).singleElement().satisfies(r -> assertThat(r.form()).containsEntry("Action", "AssumeRoleWithWebIdentity"));
    assertThat(ecr.requests()).singleElement()
        .satisfies(r -> assertThat(r.header("authorization")).contains("Credential=" + STS_KEY_ID + "/"));
  }

  @Test
  void ambientWithTheSdkDefaultChain() throws Exception {
    System.setProperty("aws.accessKeyId", USER_KEYS.accessKeyId());
    System.setProperty("aws.secretAccessKey", USER_KEYS.secretAccessKey());
    try {
      Credential c = provider().fetch(Fixtures.request(spec(ambient(), US_A), secrets, true));
      assertThat(auths(c)).containsKey(US_A);
      assertThat(ecr.requests()).singleElement()
          .satisfies(r -> assertThat(r.header("authorization")).contains("Credential=" + USER_KEYS.accessKeyId() + "/"));
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }

  @Test
  void badInputIsNotRetried() {
    Fixtures.refused(() -> provider().fetch(Fixtures.request(spec(accessKeys("aws-keys"), "registry.example.com"), secrets, false)), Reasons.INVALID_SOURCE);
    Fixtures.fails(() -> provider().fetch(Fixtures.request(spec(accessKeys("missing"), EU_A), secrets, false)), Reasons.SOURCE_NOT_FOUND);
    secrets.put(Fixtures.secret("half", Map.of("accessKeyId", USER_KEYS.accessKeyId())));
    assertThatThrownBy(() -> provider().fetch(Fixtures.request(spec(accessKeys("half"), EU_A), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.INVALID_SOURCE);
          assertThat(e.getMessage()).contains("secretAccessKey").doesNotContain(USER_KEYS.accessKeyId());
        });
    assertThat(ecr.requests()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "400 | UnrecognizedClientException | The security token included in the request is invalid. | AuthenticationFailed",
      "400 | InvalidSignatureException   | The request signature we calculated does not match.      | AuthenticationFailed",
      "401 | ''                          | ''                                                       | AuthenticationFailed",
      "400 | AccessDeniedException       | User is not authorized to perform ecr:GetAuthorizationToken | AccessDenied",
      "403 | ''                          | ''                                                       | AccessDenied",
      "400 | ValidationError             | 1 validation error detected                              | AuthenticationFailed",
      "404 | ''                          | ''                                                       | RegistryNotFound",
      "400 | RepositoryNotFoundException | The repository does not exist                           | RegistryNotFound",
      "400 | ThrottlingException         | Rate exceeded                                            | Throttled",
      "429 | ''                          | ''                                                       | Throttled",
      "500 | ServerException             | internal error                                           | ProviderUnavailable",
      "503 | ''                          | ''                                                       | ProviderUnavailable",
  })
  void ecrErrorsAreMapped(int status, String code, String message, String reason) {
    ecr.handler(r -> {
      String body = code.isEmpty() ? "{}" : "{\"__type\":\"" + code + "\",\"message\":\"" + message + " key " + USER_KEYS.secretAccessKey() + "\"}";
      return Response.json(status, body).withHeader("x-amzn-RequestId", "req-4711");
    });
    assertThatThrownBy(() -> provider().fetch(Fixtures.request(spec(accessKeys("aws-keys"), EU_A), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(reason);
          assertThat(e.retryable()).isTrue();
          assertThat(e.getMessage()).contains("GetAuthorizationToken", "eu-west-1", "HTTP " + status, "req-4711")
              .contains(code).contains(message)
              .doesNotContain(USER_KEYS.secretAccessKey()).doesNotContain(USER_KEYS.accessKeyId());
        });
    assertThat(ecr.requests()).hasSize(1); // no SDK retries: the reconciler backs off
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "not json at all",
      "{\"authorizationData\":[]}",
      "{\"authorizationData\":[{\"authorizationToken\":\"%%%not-base64\",\"expiresAt\":1893499200}]}",
      "{\"authorizationData\":[{\"authorizationToken\":\"bm8tY29sb24=\",\"expiresAt\":1893499200}]}",
      "{\"authorizationData\":[{\"authorizationToken\":\"QVdTOnNlY3JldA==\"}]}",
  })
  void malformedEcrAnswersAreProviderUnavailable(String body) {
    ecr.handler(r -> Response.json(200, body));
    assertThatThrownBy(() -> provider().fetch(Fixtures.request(spec(accessKeys("aws-keys"), EU_A), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.PROVIDER_UNAVAILABLE);
          assertThat(e.getMessage()).doesNotContain(USER_KEYS.secretAccessKey()).doesNotContain("bm8tY29sb24").doesNotContain("QVdTOnNlY3JldA");
        });
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "400 | InvalidIdentityToken | Incorrect token audience       | AuthenticationFailed",
      "400 | ExpiredTokenException | Token expired                 | AuthenticationFailed",
      "403 | AccessDenied         | Not authorized to perform sts:AssumeRoleWithWebIdentity | AccessDenied",
      "400 | Throttling           | Rate exceeded                  | Throttled",
      "500 | InternalFailure      | oops                           | ProviderUnavailable",
  })
  void stsErrorsAreMapped(int status, String code, String message, String reason) {
    api.serviceAccount(Fixtures.NAMESPACE, "puller", Fixtures.NAME, SA_TOKEN);
    sts.handler(r -> Response.of(status, "text/xml",
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>" + code
            + "</Code><Message>" + message + " " + SA_TOKEN + "</Message></Error><RequestId>req-sts-9</RequestId></ErrorResponse>"));
    assertThatThrownBy(() -> provider().fetch(Fixtures.request(spec(webIdentity("puller"), EU_A), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(reason);
          assertThat(e.getMessage()).contains("AssumeRoleWithWebIdentity", code, message, "req-sts-9")
              .doesNotContain(SA_TOKEN).doesNotContain("service-account-token");
        });
    assertThat(ecr.requests()).isEmpty();
  }

  @Test
  void unreachableEndpointIsProviderUnavailable() {
    ecr.close();
    assertThatThrownBy(() -> provider().fetch(Fixtures.request(spec(accessKeys("aws-keys"), EU_A), secrets, false)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.PROVIDER_UNAVAILABLE);
          assertThat(e.retryable()).isTrue();
          assertThat(e.getMessage()).doesNotContain(USER_KEYS.secretAccessKey());
        });
  }
}
