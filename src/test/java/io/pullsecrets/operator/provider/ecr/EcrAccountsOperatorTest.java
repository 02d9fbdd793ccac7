package io.pullsecrets.operator.provider.ecr;

import static io.pullsecrets.operator.provider.ecr.EcrStub.ACCOUNT_1;
import static io.pullsecrets.operator.provider.ecr.EcrStub.ACCOUNT_2;
import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.EcrAccountSpec;
import io.pullsecrets.operator.api.EcrProviderSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.cloud.KubernetesServiceAccountTokens;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.SecretScan;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several AWS accounts and ECR Public in one RegistryCredential, through the whole operator on
 * the real API server: the CRD's rules for the new fields, kubectl explain, one Secret with every
 * account's registries, and one account failing while the others are refreshed.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class EcrAccountsOperatorTest {
  @RegisterExtension final Closer closer = new Closer();
  static final String A = ACCOUNT_1.registry("eu-west-1");
  static final String B = ACCOUNT_2.registry("eu-west-1");

  StubServer ecr;
  StubServer ecrPublic;
  OperatorHarness h;
  final AtomicInteger calls = new AtomicInteger();
  final Set<String> refused = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void start() throws Exception {
    SecretScan.register(ACCOUNT_1.secretKey());
    SecretScan.register(ACCOUNT_2.secretKey());
    ecr = closer.add(StubServer.http().handler(this::ecrAnswer));
    ecrPublic = closer.add(StubServer.http().handler(this::ecrPublicAnswer));
    h = closer.add(new OperatorHarness());
    Map<String, String> env = Map.of("AWS_ENDPOINT_URL_ECR", ecr.url(), "AWS_ENDPOINT_URL_ECR_PUBLIC", ecrPublic.url(),
        "AWS_ENDPOINT_URL_STS", ecr.url());
    h.start(OperatorHarness.config(Set.of()), o -> o.withProviders(new ProviderRegistry(List.of(
        new EcrCredentialProvider(new DefaultAwsClientFactory(env), new KubernetesServiceAccountTokens(h.operatorClient()))))));
    Fixtures.dataSecret(h.client, PLATFORM_NS, "keys-a", Map.of("accessKeyId", ACCOUNT_1.keyId(), "secretAccessKey", ACCOUNT_1.secretKey()));
    Fixtures.dataSecret(h.client, PLATFORM_NS, "keys-b", Map.of("accessKeyId", ACCOUNT_2.keyId(), "secretAccessKey", ACCOUNT_2.secretKey()));
  }

  Response ecrAnswer(Request r) {
    assertThat(r.header("x-amz-target")).isEqualTo("AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken");
    SigV4.Signed signed = SigV4.verify(r, Map.of(ACCOUNT_1.keyId(), ACCOUNT_1.secretKey(), ACCOUNT_2.keyId(), ACCOUNT_2.secretKey()));
    assertThat(signed.service()).isEqualTo("ecr");
    return answer(signed.accessKeyId(), "[{\"authorizationToken\":\"%s\",\"expiresAt\":%d,\"proxyEndpoint\":\"https://"
        + (signed.accessKeyId().equals(ACCOUNT_1.keyId()) ? A : B) + "\"}]");
  }

  Response ecrPublicAnswer(Request r) {
    assertThat(r.header("x-amz-target")).isEqualTo("SpencerFrontendService.GetAuthorizationToken");
    SigV4.Signed signed = SigV4.verify(r, Map.of(ACCOUNT_1.keyId(), ACCOUNT_1.secretKey(), ACCOUNT_2.keyId(), ACCOUNT_2.secretKey()));
    assertThat(signed.service()).isEqualTo("ecr-public");
    assertThat(signed.region()).isEqualTo("us-east-1");
    return answer(signed.accessKeyId(), "{\"authorizationToken\":\"%s\",\"expiresAt\":%d}");
  }

  /** A token "AWS:tok-<key>-<n>" valid 12 hours, or the refusal of an unknown security token. */
  private Response answer(String keyId, String shape) {
    if (refused.contains(keyId)) {
      return Response.json(400, "{\"__type\":\"UnrecognizedClientException\",\"message\":\"The security token included in the request is invalid.\"}")
          .withHeader("x-amzn-RequestId", "req-refused");
    }
    String token = EcrPublicAndAccountsTest.b64("AWS:tok-" + keyId + "-" + calls.incrementAndGet());
    return Response.json(200, "{\"authorizationData\":" + String.format(shape, token,
        Instant.now().plusSeconds(12 * 3600).getEpochSecond()) + "}");
  }

  static RegistryCredential twoAccounts() {
    EcrAccountSpec a = new EcrAccountSpec();
    a.setRegistries(List.of(A));
    a.setAuth(EcrCredentialProviderTest.accessKeys("keys-a"));
    EcrAccountSpec b = new EcrAccountSpec();
    b.setRegistries(List.of(B, "public.ecr.aws"));
    b.setAuth(EcrCredentialProviderTest.accessKeys("keys-b"));
    EcrProviderSpec e = new EcrProviderSpec();
    e.setAccounts(List.of(a, b));
    ProviderSpec p = new ProviderSpec();
    p.setEcr(e);
    return CredentialBuilder.of(PLATFORM_NS, "ecr", p).secretName("ecr-pull").targets(List.of("team-a")).build();
  }

  String config() {
    return h.secret("team-a", "ecr-pull").map(Fixtures::dockerConfigJson).orElse("");
  }

  @Test
  void oneSecretForEveryAccountAndOneFailingAccountIsNamedWhileTheOthersRefresh() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.apply(twoAccounts());
    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "ecr");
    assertThat(ready.getStatus().getRegistries()).containsExactly(A, B, "public.ecr.aws");
    assertThat(calls.get()).isEqualTo(3);
    String first = config();
    assertThat(first).contains("\"" + A + "\"", "\"" + B + "\"", "\"public.ecr.aws\"", "tok-" + ACCOUNT_1.keyId() + "-", "tok-" + ACCOUNT_2.keyId() + "-");

    refused.add(ACCOUNT_2.keyId());
    h.requestRefresh(PLATFORM_NS, "ecr", "1");
    RegistryCredential partial = h.awaitCondition(PLATFORM_NS, "ecr", "Reconciling", "True", "AuthenticationFailed");
    assertThat(condition(partial, "Reconciling").orElseThrow().getMessage())
        .contains("1 of 2 AWS accounts failed: spec.provider.ecr.accounts[1] (222222222222, public.ecr.aws)",
            "UnrecognizedClientException", "its registries keep their last good token")
        .doesNotContain(ACCOUNT_2.secretKey());
    assertThat(condition(partial, "Ready").orElseThrow().getStatus()).isEqualTo("True");
    h.awaitUntil(() -> config().contains("tok-" + ACCOUNT_1.keyId() + "-4"));
    String during = config();
    assertThat(during).as("account b's entries are kept").contains("tok-" + ACCOUNT_2.keyId() + "-2", "tok-" + ACCOUNT_2.keyId() + "-3");
    assertThat(partial.getStatus().getRegistries()).containsExactly(A, B, "public.ecr.aws");

    refused.clear();
    h.awaitUntil(() -> condition(h.get(PLATFORM_NS, "ecr"), "Reconciling").isEmpty());
    assertThat(config()).doesNotContain("tok-" + ACCOUNT_2.keyId() + "-2");
  }

  @Test
  void theCrdRefusesMixedOrEmptyShapesWithTheirMessagesAndExplainsTheNewFields() {
    Map<String, String> bad = Map.of(
        "{ecr: {registries: [" + A + "]}}", "set either auth (one AWS identity) or accounts (several), not both",
        "{ecr: {auth: {ambient: {}}}}", "registries must list a registry, or public be true",
        "{ecr: {public: true, auth: {ambient: {}}, accounts: [{public: true, auth: {ambient: {}}}]}}",
        "set either auth (one AWS identity) or accounts (several), not both",
        "{ecr: {public: true, accounts: [{public: true, auth: {ambient: {}}}]}}", "with accounts, registries and public are set in each account",
        "{ecr: {accounts: [{auth: {ambient: {}}}]}}", "registries must list a registry, or public be true",
        "{ecr: {accounts: [{registries: [" + A + "]}]}}", "auth: Required value");
    bad.forEach((provider, message) -> {
      RegistryCredential rc = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
          "apiVersion: pullsecrets.io/v1alpha1\nkind: RegistryCredential\n"
              + "metadata: {name: bad, namespace: " + PLATFORM_NS + "}\nspec:\n  provider: " + provider + "\n",
          RegistryCredential.class);
      assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> h.client.resource(rc).create())).as(provider)
          .isInstanceOfSatisfying(io.fabric8.kubernetes.client.KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(422);
            assertThat(e.getMessage()).contains(message);
          });
    });
    RegistryCredential good = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
        "apiVersion: pullsecrets.io/v1alpha1\nkind: RegistryCredential\nmetadata: {name: good, namespace: " + PLATFORM_NS
            + "}\nspec:\n  provider: {ecr: {public: true, auth: {ambient: {}}}}\n", RegistryCredential.class);
    h.client.resource(good).create();

    String explain = h.explain("regcred.spec.provider.ecr");
    assertThat(explain).contains("accounts", "public", "ECR Public (public.ecr.aws)", "one token call per account and region",
        "auth <Object>");
  }
}
