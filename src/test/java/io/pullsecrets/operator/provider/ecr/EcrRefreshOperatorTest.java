package io.pullsecrets.operator.provider.ecr;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.AwsAccessKeysSpec;
import io.pullsecrets.operator.api.EcrAuthSpec;
import io.pullsecrets.operator.api.EcrProviderSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.RefreshSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialSpec;
import io.pullsecrets.operator.api.SecretReference;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.cloud.KubernetesServiceAccountTokens;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole operator with the real ECR provider (AWS SDK) against a stub that checks SigV4 and
 * the target like ECR does: one GetAuthorizationToken per refresh, outages, expiry, forced refresh.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class EcrRefreshOperatorTest {
  static final String KEY_ID = "AKIAOPERATORTEST0001";
  static final String SECRET_KEY = "operator-test-secret-access-key-do-not-leak";
  static final String REGISTRY = "111111111111.dkr.ecr.eu-west-1.amazonaws.com";

  StubServer ecr;
  OperatorHarness h;
  final AtomicInteger calls = new AtomicInteger();
  volatile int failWith = 0;
  volatile Duration lifetime = Duration.ofHours(12);

  @BeforeEach
  void start() throws Exception {
    ecr = StubServer.http().handler(this::answer);
    h = new OperatorHarness();
    Map<String, String> env = Map.of("AWS_ENDPOINT_URL_ECR", ecr.url());
    h.start(OperatorHarness.config(java.util.Set.of()), o -> o.withProviders(new ProviderRegistry(List.of(
        new EcrCredentialProvider(new DefaultAwsClientFactory(env), new KubernetesServiceAccountTokens(h.client))))));
    Fixtures.dataSecret(h.client, PLATFORM_NS, "aws-keys", Map.of("accessKeyId", KEY_ID, "secretAccessKey", SECRET_KEY));
    for (int i = 1; i <= 50; i++) {
      io.pullsecrets.operator.testing.SecretScan.register("ecr-token-" + i);
    }
  }

  @AfterEach
  void stop() {
    h.close();
    ecr.close();
  }

  Response answer(Request r) {
    if (!"AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken".equals(r.header("x-amz-target"))) {
      return Response.json(400, "{\"__type\":\"UnknownOperationException\"}");
    }
    SigV4.Signed signed = SigV4.verify(r, Map.of(KEY_ID, SECRET_KEY));
    assertThat(signed.service()).isEqualTo("ecr");
    assertThat(signed.region()).isEqualTo("eu-west-1");
    int n = calls.incrementAndGet();
    if (failWith != 0) {
      return Response.json(failWith, "{\"__type\":\"ServerException\",\"message\":\"try later\"}").withHeader("x-amzn-RequestId", "req-" + n);
    }
    String token = Base64.getEncoder().encodeToString(("AWS:ecr-token-" + n).getBytes(StandardCharsets.UTF_8));
    long exp = Instant.now().plus(lifetime).getEpochSecond();
    return Response.json(200, "{\"authorizationData\":[{\"authorizationToken\":\"" + token + "\",\"expiresAt\":" + exp
        + ",\"proxyEndpoint\":\"https://" + REGISTRY + "\"}]}").withHeader("x-amzn-RequestId", "req-" + n);
  }

  RegistryCredential ecrCredential(List<String> namespaces, String before) {
    AwsAccessKeysSpec keys = new AwsAccessKeysSpec();
    keys.setSecretRef(new SecretReference("aws-keys"));
    EcrAuthSpec auth = new EcrAuthSpec();
    auth.setAccessKeys(keys);
    EcrProviderSpec ecrSpec = new EcrProviderSpec();
    ecrSpec.setRegistries(List.of(REGISTRY));
    ecrSpec.setAuth(auth);
    ProviderSpec p = new ProviderSpec();
    p.setEcr(ecrSpec);
    RegistryCredential rc = new RegistryCredential();
    rc.getMetadata().setName("ecr");
    rc.getMetadata().setNamespace(PLATFORM_NS);
    RegistryCredentialSpec spec = new RegistryCredentialSpec();
    spec.setProvider(p);
    spec.setSecretName("ecr-pull");
    TargetsSpec t = new TargetsSpec();
    t.setNamespaces(namespaces);
    spec.setTargets(t);
    if (before != null) {
      RefreshSpec refresh = new RefreshSpec();
      refresh.setBefore(before);
      spec.setRefresh(refresh);
    }
    rc.setSpec(spec);
    return rc;
  }

  String password(String ns) {
    return h.secret(ns, "ecr-pull").map(s -> new String(Base64.getDecoder().decode(s.getData().get(".dockerconfigjson")),
        StandardCharsets.UTF_8)).orElse("");
  }

  void requestRefresh(String value) {
    h.client.resources(RegistryCredential.class).inNamespace(PLATFORM_NS).withName("ecr").edit(rc -> {
      rc.getMetadata().getAnnotations().put(Labels.REFRESH_REQUESTED_ANNOTATION, value);
      return rc;
    });
  }

  @Test
  void fiftyNamespacesOneCallPerRefreshAndTheAnnotationForcesExactlyOne() {
    List<String> namespaces = IntStream.range(0, 50).mapToObj(i -> "team-" + i).toList();
    namespaces.forEach(ns -> Fixtures.namespace(h.client, ns, Map.of()));
    h.apply(ecrCredential(namespaces, null));

    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "ecr");
    assertThat(calls.get()).isEqualTo(1);
    assertThat(namespaces).allSatisfy(ns -> assertThat(password(ns)).contains("\"username\":\"AWS\",\"password\":\"ecr-token-1\""));
    assertThat(ready.getStatus().getExpiresAt()).isNotNull();
    assertThat(Instant.parse(ready.getStatus().getNextRefreshTime()))
        .isBetween(Instant.now().plus(Duration.ofMinutes(8 * 60)), Instant.now().plus(Duration.ofMinutes(10 * 60)));
    assertThat(condition(ready, "Ready").orElseThrow().getMessage()).startsWith("50/50 namespaces; token valid until ");

    requestRefresh("1");
    h.awaitUntil(() -> namespaces.stream().allMatch(ns -> password(ns).contains("ecr-token-2")));
    h.awaitReady(PLATFORM_NS, "ecr");
    int reconciles = h.reconciles(PLATFORM_NS, "ecr");
    // More events (a namespace, a status write) reuse the token.
    Fixtures.namespace(h.client, "unrelated", Map.of());
    h.awaitUntil(() -> h.reconciles(PLATFORM_NS, "ecr") > reconciles);
    assertThat(calls.get()).isEqualTo(2);
  }

  @Test
  void kubectlShowsTheCloudTokensExpiryAndNextRefresh() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.apply(ecrCredential(List.of("team-a"), null));
    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "ecr");
    java.nio.file.Path kubeconfig = ((io.pullsecrets.operator.testing.RealApiServer) h.api).controlPlane.kubeconfig;

    String wide = io.pullsecrets.operator.testing.Cli.kubectl(kubeconfig, "get", "regcred", "-n", PLATFORM_NS, "-o", "wide")
        .ok().stdout();
    Map<String, String> row = io.pullsecrets.operator.testing.Cli.row(wide, "ecr");
    assertThat(row).containsEntry("READY", "True").containsEntry("REASON", "Synced").containsEntry("SYNCED", "1/1")
        .containsEntry("PROVIDER", "ecr").containsEntry("EXPIRES", ready.getStatus().getExpiresAt())
        .containsEntry("NEXT REFRESH", ready.getStatus().getNextRefreshTime());
    assertThat(Instant.parse(row.get("EXPIRES"))).isAfter(Instant.now().plus(Duration.ofHours(11)));
    assertThat(row.get("MESSAGE")).startsWith("1/1 namespaces; token valid until ");
    assertThat(wide).doesNotContain("<invalid>");
  }

  @Test
  void outageKeepsTheOldSecretsBacksOffAndRecovers() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.apply(ecrCredential(List.of("team-a"), null));
    h.awaitReady(PLATFORM_NS, "ecr");
    String before = h.secret("team-a", "ecr-pull").orElseThrow().getMetadata().getResourceVersion();

    failWith = 503;
    requestRefresh("outage");
    RegistryCredential failing = h.awaitCondition(PLATFORM_NS, "ecr", "Reconciling", "True", "ProviderUnavailable");
    assertThat(condition(failing, "TokenValid").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(condition(failing, "Ready").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(condition(failing, "Reconciling").orElseThrow().getMessage()).contains("req-").doesNotContain(SECRET_KEY);
    assertThat(h.secret("team-a", "ecr-pull").orElseThrow().getMetadata().getResourceVersion()).isEqualTo(before);
    h.awaitUntil(() -> calls.get() >= 4); // 1 good + retries after 1 s, 2 s
    int afterThree = calls.get();
    assertThat(afterThree).isLessThanOrEqualTo(5);
    assertThat(h.client.v1().events().inNamespace(PLATFORM_NS).list().getItems().stream()
        .filter(e -> "RefreshFailed".equals(e.getReason()))).hasSize(1);

    failWith = 0;
    h.awaitUntil(() -> password("team-a").contains("ecr-token-" + (calls.get())) && calls.get() > afterThree);
    RegistryCredential recovered = h.awaitReady(PLATFORM_NS, "ecr");
    assertThat(condition(recovered, "Reconciling")).isEmpty();
  }

  @Test
  void expiryFlipsTokenValidAndReadyWhenTheTokenRunsOut() {
    lifetime = Duration.ofSeconds(3);
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.apply(ecrCredential(List.of("team-a"), "10%"));
    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "ecr");
    Instant expires = Instant.parse(ready.getStatus().getExpiresAt());
    failWith = 500;

    RegistryCredential expired = h.awaitCondition(PLATFORM_NS, "ecr", "Ready", "False", "TokenExpired");
    assertThat(Instant.now()).isAfterOrEqualTo(expires);
    assertThat(condition(expired, "TokenValid").orElseThrow().getReason()).isEqualTo("TokenExpired");
    // The expired Secret is left as it was, never emptied.
    assertThat(password("team-a")).contains("ecr-token-1");
  }
}
