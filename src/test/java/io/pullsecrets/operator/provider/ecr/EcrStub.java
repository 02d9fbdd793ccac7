package io.pullsecrets.operator.provider.ecr;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.api.AwsAccessKeysSpec;
import io.pullsecrets.operator.api.AwsWebIdentitySpec;
import io.pullsecrets.operator.api.EcrAuthSpec;
import io.pullsecrets.operator.api.EcrProviderSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.SecretReference;
import io.pullsecrets.operator.provider.cloud.KubernetesServiceAccountTokens;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.SecretScan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ECR and STS services for operator tests: ECR checks SigV4 (service {@code ecr}, region
 * {@code eu-west-1}) with the access keys of {@link #keysSecret} or the keys STS issued for a
 * web identity, and hands out {@code <tokenPrefix>-N} on the N-th call, valid for
 * {@link #lifetime} on {@code clock}; {@link #failWith} makes it answer that HTTP status instead.
 */
public final class EcrStub implements AutoCloseable {
  /** An AWS account of the tests: its id and the access key of its caller. */
  public record Account(String id, String keyId, String secretKey) {
    /** The account's private registry in {@code region}. */
    public String registry(String region) {
      return id + ".dkr.ecr." + region + ".amazonaws.com";
    }
  }

  /** The tests' two AWS accounts (the stub below serves the first with {@link #KEY_ID}). */
  public static final Account ACCOUNT_1 = new Account("111111111111", "AKIAACCOUNTAKEY00001", "account-a-secret-access-key-do-not-leak");
  public static final Account ACCOUNT_2 = new Account("222222222222", "AKIAACCOUNTBKEY00001", "account-b-secret-access-key-do-not-leak");

  public static final String REGISTRY = "111111111111.dkr.ecr.eu-west-1.amazonaws.com";
  public static final String KEY_ID = "AKIAOPERATORTEST0001";
  public static final String SECRET_KEY = "operator-test-secret-access-key-do-not-leak";

  public final StubServer ecr;
  public final StubServer sts;
  public final AtomicInteger calls = new AtomicInteger();
  public volatile int failWith;
  public volatile Duration lifetime = Duration.ofHours(12);
  /** Told each token ({@code <tokenPrefix>-N}) before it is handed out (a registry that must accept it). */
  public volatile java.util.function.Consumer<String> minted = token -> {};
  private final String tokenPrefix;
  private final Clock clock;

  public EcrStub(String tokenPrefix, Clock clock) throws IOException {
    this.tokenPrefix = tokenPrefix;
    this.clock = clock;
    this.ecr = StubServer.http().handler(this::answer);
    this.sts = StubServer.http().handler(this::stsAnswer);
    for (int i = 1; i <= 50; i++) {
      SecretScan.register(tokenPrefix + "-" + i);
    }
    SecretScan.register(SECRET_KEY);
    SecretScan.register(EcrCredentialProviderTest.STS_SECRET);
    SecretScan.register(EcrCredentialProviderTest.STS_SESSION);
  }

  /** The ECR provider with the AWS SDK pointed at these stubs; TokenRequests go through {@code tokens}. */
  public EcrCredentialProvider provider(KubernetesClient tokens) {
    Map<String, String> env = Map.of("AWS_ENDPOINT_URL_ECR", ecr.url(), "AWS_ENDPOINT_URL_STS", sts.url());
    return new EcrCredentialProvider(new DefaultAwsClientFactory(env), new KubernetesServiceAccountTokens(tokens));
  }

  /** The access keys ECR accepts, as the Secret {@code aws-keys} in {@code ns}. */
  public void keysSecret(KubernetesClient client, String ns) {
    Fixtures.dataSecret(client, ns, "aws-keys", Map.of("accessKeyId", KEY_ID, "secretAccessKey", SECRET_KEY));
  }

  private Response answer(Request r) {
    if (!"AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken".equals(r.header("x-amz-target"))) {
      return Response.json(400, "{\"__type\":\"UnknownOperationException\"}");
    }
    SigV4.Signed signed = SigV4.verify(r, Map.of(KEY_ID, SECRET_KEY,
        EcrCredentialProviderTest.STS_KEY_ID, EcrCredentialProviderTest.STS_SECRET));
    assertThat(signed.service()).isEqualTo("ecr");
    assertThat(signed.region()).isEqualTo("eu-west-1");
    int n = calls.incrementAndGet();
    if (failWith != 0) {
      return Response.json(failWith, "{\"__type\":\"ServerException\",\"message\":\"try later\"}").withHeader("x-amzn-RequestId", "req-" + n);
    }
    minted.accept(tokenPrefix + "-" + n);
    String token = Base64.getEncoder().encodeToString(("AWS:" + tokenPrefix + "-" + n).getBytes(StandardCharsets.UTF_8));
    // ECR states expiry on its own clock; the operator's clock is the test's.
    long exp = clock.instant().plus(lifetime).getEpochSecond();
    return Response.json(200, "{\"authorizationData\":[{\"authorizationToken\":\"" + token + "\",\"expiresAt\":" + exp
        + ",\"proxyEndpoint\":\"https://" + REGISTRY + "\"}]}").withHeader("x-amzn-RequestId", "req-" + n);
  }

  private Response stsAnswer(Request r) {
    Map<String, String> form = r.form();
    assertThat(form).containsEntry("Action", "AssumeRoleWithWebIdentity");
    assertThat(form.get("WebIdentityToken")).isNotBlank();
    return Response.of(200, "text/xml", EcrCredentialProviderTest.stsCredentials("AssumeRoleWithWebIdentity"));
  }

  /** A credential {@code name} in {@code ns} for {@link #REGISTRY} with the keys of {@link #keysSecret}. */
  public static RegistryCredential accessKeysCredential(String ns, String name, List<String> namespaces) {
    AwsAccessKeysSpec keys = new AwsAccessKeysSpec();
    keys.setSecretRef(new SecretReference("aws-keys"));
    EcrAuthSpec auth = new EcrAuthSpec();
    auth.setAccessKeys(keys);
    return credential(ns, name, auth, namespaces);
  }

  /** A credential whose AWS role is assumed with a token of ServiceAccount {@code sa} (which must opt in). */
  public static RegistryCredential webIdentityCredential(String ns, String name, String sa, List<String> namespaces) {
    AwsWebIdentitySpec wi = new AwsWebIdentitySpec();
    wi.setServiceAccountName(sa);
    wi.setRoleArn(EcrCredentialProviderTest.ROLE);
    EcrAuthSpec auth = new EcrAuthSpec();
    auth.setWebIdentity(wi);
    return credential(ns, name, auth, namespaces);
  }

  private static RegistryCredential credential(String ns, String name, EcrAuthSpec auth, List<String> namespaces) {
    EcrProviderSpec ecrSpec = new EcrProviderSpec();
    ecrSpec.setRegistries(List.of(REGISTRY));
    ecrSpec.setAuth(auth);
    ProviderSpec p = new ProviderSpec();
    p.setEcr(ecrSpec);
    return CredentialBuilder.of(ns, name, p).secretName(name + "-pull").targets(namespaces).build();
  }

  @Override
  public void close() {
    try {
      ecr.close();
    } finally {
      sts.close();
    }
  }
}
