package io.pullsecrets.operator.provider.ecr;

import static io.pullsecrets.operator.provider.ecr.EcrStub.ACCOUNT_1;
import static io.pullsecrets.operator.provider.ecr.EcrStub.ACCOUNT_2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pullsecrets.operator.api.EcrAccountSpec;
import io.pullsecrets.operator.api.EcrAuthSpec;
import io.pullsecrets.operator.api.EcrProviderSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.provider.cloud.MockTokenApi;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ECR Public and several AWS accounts under one ecr provider, with the real AWS SDK clients
 * against stubs that check what AWS checks: the X-Amz-Target of each service, SigV4 for its
 * signing name and region, and the access key of the caller (each account has its own).
 */
class EcrPublicAndAccountsTest {
  @RegisterExtension final Closer closer = new Closer();
  static final ObjectMapper JSON = new ObjectMapper();
  static final String EU_A = ACCOUNT_1.registry("eu-west-1");
  static final String US_A = ACCOUNT_1.registry("us-east-1");
  static final String EU_B = ACCOUNT_2.registry("eu-west-1");
  static final Instant EXPIRES = Instant.parse("2030-01-01T12:00:00Z");
  static final Instant PUBLIC_EXPIRES = Instant.parse("2030-01-01T11:00:00Z");
  static final String PUBLIC_TARGET = "SpencerFrontendService.GetAuthorizationToken";

  StubServer ecr;
  StubServer ecrPublic;
  StubServer sts;
  MockTokenApi api;
  final Map<String, String> keys = new ConcurrentHashMap<>(Map.of(ACCOUNT_1.keyId(), ACCOUNT_1.secretKey(), ACCOUNT_2.keyId(), ACCOUNT_2.secretKey()));
  /** Access key IDs ECR refuses as an unknown security token. */
  final Set<String> refused = ConcurrentHashMap.newKeySet();
  final AtomicInteger round = new AtomicInteger(1);
  final Fixtures.Secrets secrets = new Fixtures.Secrets();

  @BeforeEach
  void start() throws Exception {
    ecr = closer.add(StubServer.http().handler(this::ecrAnswer));
    ecrPublic = closer.add(StubServer.http().handler(this::ecrPublicAnswer));
    sts = closer.add(StubServer.http().handler(r -> {
      throw new AssertionError("no STS call expected");
    }));
    api = closer.add(new MockTokenApi());
    secrets.put(Fixtures.secret("keys-a", Map.of("accessKeyId", ACCOUNT_1.keyId(), "secretAccessKey", ACCOUNT_1.secretKey())));
    secrets.put(Fixtures.secret("keys-b", Map.of("accessKeyId", ACCOUNT_2.keyId(), "secretAccessKey", ACCOUNT_2.secretKey())));
  }

  EcrCredentialProvider provider() {
    return new EcrCredentialProvider(new DefaultAwsClientFactory(Map.of("AWS_ENDPOINT_URL_ECR", ecr.url(),
        "AWS_ENDPOINT_URL_ECR_PUBLIC", ecrPublic.url(), "AWS_ENDPOINT_URL_STS", sts.url())), api.tokens());
  }

  static String password(String where, String keyId, String id) {
    return "pw-" + where + "-" + keyId + "-" + id;
  }

  /** ECR private: the target, SigV4 for ecr, one token per registry ID, valid until EXPIRES. */
  Response ecrAnswer(Request r) {
    assertThat(r.header("x-amz-target")).isEqualTo("AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken");
    assertThat(r.header("content-type")).isEqualTo("application/x-amz-json-1.1");
    SigV4.Signed signed = SigV4.verify(r, keys);
    assertThat(signed.service()).isEqualTo("ecr");
    if (refused.contains(signed.accessKeyId())) {
      return Response.json(400, "{\"__type\":\"UnrecognizedClientException\",\"message\":\"The security token included in the request is invalid.\"}")
          .withHeader("x-amzn-RequestId", "req-refused");
    }
    try {
      List<String> data = new ArrayList<>();
      for (JsonNode id : JSON.readTree(r.body()).path("registryIds")) {
        String token = b64("AWS:" + password(round.get() + "-" + signed.region(), signed.accessKeyId(), id.asText()));
        data.add("{\"authorizationToken\":\"" + token + "\",\"expiresAt\":" + EXPIRES.getEpochSecond()
            + ",\"proxyEndpoint\":\"https://" + id.asText() + ".dkr.ecr." + signed.region() + ".amazonaws.com\"}");
      }
      return Response.json(200, "{\"authorizationData\":[" + String.join(",", data) + "]}");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * ECR Public as the service model defines it: JSON 1.1 with target
   * SpencerFrontendService.GetAuthorizationToken, SigV4 for ecr-public in us-east-1 (its only
   * region), an empty request, one authorizationData object (not a list).
   */
  Response ecrPublicAnswer(Request r) {
    if (!PUBLIC_TARGET.equals(r.header("x-amz-target"))) {
      return Response.json(400, "{\"__type\":\"UnknownOperationException\"}");
    }
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.header("content-type")).isEqualTo("application/x-amz-json-1.1");
    SigV4.Signed signed = SigV4.verify(r, keys);
    assertThat(signed.service()).isEqualTo("ecr-public");
    assertThat(signed.region()).isEqualTo("us-east-1");
    assertThat(r.bodyText()).isEqualTo("{}");
    if (refused.contains(signed.accessKeyId())) {
      return Response.json(400, "{\"__type\":\"UnrecognizedClientException\",\"message\":\"invalid token\"}");
    }
    String token = b64("AWS:" + password(round.get() + "-public", signed.accessKeyId(), "public"));
    return Response.json(200, "{\"authorizationData\":{\"authorizationToken\":\"" + token + "\",\"expiresAt\":"
        + PUBLIC_EXPIRES.getEpochSecond() + "}}");
  }

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static ProviderSpec single(String keys, Boolean isPublic, String... registries) {
    EcrProviderSpec e = new EcrProviderSpec();
    e.setRegistries(registries.length == 0 ? null : List.of(registries));
    e.setPublic(isPublic);
    e.setAuth(EcrCredentialProviderTest.accessKeys(keys));
    ProviderSpec p = new ProviderSpec();
    p.setEcr(e);
    return p;
  }

  static EcrAccountSpec account(String keys, Boolean isPublic, String... registries) {
    EcrAccountSpec a = new EcrAccountSpec();
    a.setRegistries(registries.length == 0 ? null : List.of(registries));
    a.setPublic(isPublic);
    a.setAuth(EcrCredentialProviderTest.accessKeys(keys));
    return a;
  }

  static ProviderSpec accounts(EcrAccountSpec... accounts) {
    EcrProviderSpec e = new EcrProviderSpec();
    e.setAccounts(List.of(accounts));
    ProviderSpec p = new ProviderSpec();
    p.setEcr(e);
    return p;
  }

  static Map<String, String> passwords(Credential c) throws Exception {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    JSON.readTree(c.dockerConfigJson()).get("auths").fields().forEachRemaining(e -> {
      assertThat(e.getValue().get("username").asText()).isEqualTo("AWS");
      out.put(e.getKey(), e.getValue().get("password").asText());
    });
    return out;
  }

  ProviderRequest request(ProviderSpec spec, Credential previous) {
    return new ProviderRequest(Fixtures.credential(spec), secrets, false, Set.of(), Clock.systemUTC(), previous);
  }

  @Test
  void publicTrueIsOneEcrPublicCallInUsEast1() throws Exception {
    Credential c = provider().fetch(request(single("keys-a", true), null));

    assertThat(c.registries()).containsExactly("public.ecr.aws");
    assertThat(passwords(c)).containsExactly(Map.entry("public.ecr.aws", password("1-public", ACCOUNT_1.keyId(), "public")));
    assertThat(c.expiresAt()).isEqualTo(PUBLIC_EXPIRES);
    assertThat(ecrPublic.requests()).singleElement()
        .satisfies(r -> assertThat(r.header("authorization")).contains("/us-east-1/ecr-public/aws4_request"));
    assertThat(ecr.requests()).isEmpty();
  }

  @Test
  void aRegistriesEntryPublicEcrAwsAddsEcrPublicToThePrivateRegistries() throws Exception {
    Credential c = provider().fetch(request(single("keys-a", null, EU_A, "https://public.ecr.aws/"), null));

    assertThat(c.registries()).containsExactly(EU_A, "public.ecr.aws");
    assertThat(passwords(c)).containsEntry(EU_A, password("1-eu-west-1", ACCOUNT_1.keyId(), ACCOUNT_1.id()))
        .containsEntry("public.ecr.aws", password("1-public", ACCOUNT_1.keyId(), "public"));
    assertThat(c.expiresAt()).as("the earliest").isEqualTo(PUBLIC_EXPIRES);
    assertThat(ecr.requests()).hasSize(1);
    assertThat(ecrPublic.requests()).hasSize(1);
  }

  @Test
  void severalAccountsRenderOneSecretWithOneCallPerAccountAndRegion() throws Exception {
    Credential c = provider().fetch(request(accounts(account("keys-a", true, EU_A, US_A), account("keys-b", null, EU_B)), null));

    assertThat(c.partialFailure()).isNull();
    assertThat(c.registries()).containsExactly(EU_A, US_A, "public.ecr.aws", EU_B);
    assertThat(passwords(c)).containsExactly(
        Map.entry(EU_A, password("1-eu-west-1", ACCOUNT_1.keyId(), ACCOUNT_1.id())),
        Map.entry(US_A, password("1-us-east-1", ACCOUNT_1.keyId(), ACCOUNT_1.id())),
        Map.entry("public.ecr.aws", password("1-public", ACCOUNT_1.keyId(), "public")),
        Map.entry(EU_B, password("1-eu-west-1", ACCOUNT_2.keyId(), ACCOUNT_2.id())));
    assertThat(c.expiresAt()).isEqualTo(PUBLIC_EXPIRES);
    List<String> calls = ecr.requests().stream().map(r -> r.header("authorization").replaceAll(".*Credential=([^/]+)/\\d+/([^/]+)/.*", "$1 $2")).toList();
    assertThat(calls).containsExactlyInAnyOrder(ACCOUNT_1.keyId() + " eu-west-1", ACCOUNT_1.keyId() + " us-east-1", ACCOUNT_2.keyId() + " eu-west-1");
    assertThat(ecrPublic.requests()).hasSize(1);
  }

  @Test
  void oneAccountFailingKeepsItsLastGoodEntriesAndTheOthersAreRefreshed() throws Exception {
    ProviderSpec spec = accounts(account("keys-a", null, EU_A), account("keys-b", true, EU_B));
    Credential first = provider().fetch(request(spec, null));

    round.set(2);
    refused.add(ACCOUNT_2.keyId());
    Credential second = provider().fetch(request(spec, first));

    assertThat(second.registries()).containsExactly(EU_A, EU_B, "public.ecr.aws");
    assertThat(passwords(second)).containsExactly(
        Map.entry(EU_A, password("2-eu-west-1", ACCOUNT_1.keyId(), ACCOUNT_1.id())),
        Map.entry(EU_B, password("1-eu-west-1", ACCOUNT_2.keyId(), ACCOUNT_2.id())),
        Map.entry("public.ecr.aws", password("1-public", ACCOUNT_2.keyId(), "public")));
    assertThat(second.expiresAt()).as("bounded by the kept entries' credential").isEqualTo(first.expiresAt());
    ProviderException failure = second.partialFailure();
    assertThat(failure).isNotNull();
    assertThat(failure.reason()).isEqualTo(Reasons.AUTHENTICATION_FAILED);
    assertThat(failure.retryable()).isTrue();
    assertThat(failure.getMessage())
        .startsWith("1 of 2 AWS accounts failed: spec.provider.ecr.accounts[1] (" + ACCOUNT_2.id() + ", public.ecr.aws): ")
        .contains("UnrecognizedClientException", "its registries keep their last good token")
        .doesNotContain(ACCOUNT_2.secretKey()).doesNotContain(ACCOUNT_2.keyId()).doesNotContain("pw-");
  }

  @Test
  void aFailingAccountWithoutALastGoodTokenIsLeftOutAndAllFailingFails() throws Exception {
    refused.add(ACCOUNT_2.keyId());
    ProviderSpec spec = accounts(account("keys-a", null, EU_A), account("keys-b", null, EU_B));
    Credential c = provider().fetch(request(spec, null));
    assertThat(c.registries()).containsExactly(EU_A);
    assertThat(c.partialFailure().getMessage()).contains("accounts[1] (" + ACCOUNT_2.id() + ")", "left out until it succeeds");

    refused.add(ACCOUNT_1.keyId());
    assertThatThrownBy(() -> provider().fetch(request(spec, null)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.AUTHENTICATION_FAILED);
          assertThat(e.getMessage()).startsWith("2 of 2 AWS accounts failed: spec.provider.ecr.accounts[0]");
        });
  }

  @Test
  void anExpiredPreviousCredentialIsNotKept() throws Exception {
    ProviderSpec spec = accounts(account("keys-a", null, EU_A), account("keys-b", null, EU_B));
    Credential first = provider().fetch(request(spec, null));
    Credential expired = new Credential(first.registries(), first.dockerConfigJson(), Instant.now().minusSeconds(1));
    refused.add(ACCOUNT_2.keyId());
    Credential c = provider().fetch(request(spec, expired));
    assertThat(c.registries()).containsExactly(EU_A);
  }

  @Test
  void aRegistryInTwoAccountsIsInvalid() {
    ProviderException e = Fixtures.refused(() -> provider().fetch(request(
        accounts(account("keys-a", true, EU_A), account("keys-b", null, "public.ecr.aws")), null)), Reasons.INVALID_SPEC);
    assertThat(e.getMessage()).contains("spec.provider.ecr.accounts[1] lists public.ecr.aws");
    assertThat(ecr.requests()).isEmpty();
  }

  @Test
  void anAccountRefusedForGoodIsNamedAndNotRetried() throws Exception {
    EcrAccountSpec ambient = new EcrAccountSpec();
    ambient.setRegistries(List.of(EU_B));
    EcrAuthSpec auth = new EcrAuthSpec();
    auth.setAmbient(new io.pullsecrets.operator.api.AmbientSpec());
    ambient.setAuth(auth);
    Credential c = provider().fetch(request(accounts(account("keys-a", null, EU_A), ambient), null));

    assertThat(c.registries()).containsExactly(EU_A);
    assertThat(c.partialFailure().reason()).isEqualTo(Reasons.NOT_PERMITTED);
    assertThat(c.partialFailure().retryable()).isFalse();
    assertThat(c.partialFailure().getMessage()).contains("spec.provider.ecr.accounts[1] (" + ACCOUNT_2.id() + ")",
        "the operator's own AWS identity (spec.provider.ecr.accounts[1].auth.ambient)");
    assertThat(ecr.requests()).hasSize(1);
  }
}
