package io.pullsecrets.operator.provider.ecr;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.AwsAccessKeysSpec;
import io.pullsecrets.operator.api.EcrAuthSpec;
import io.pullsecrets.operator.api.EcrProviderSpec;
import io.pullsecrets.operator.api.ProviderSpec;
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
import io.pullsecrets.operator.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 #1: the refresh timer fires. No annotation, no source change: only the operator's clock
 * passing {@code nextRefreshTime} makes it call ECR again, and the new token reaches every target.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class EcrTimedRefreshOperatorTest {
  static final String KEY_ID = "AKIATIMEDREFRESH0001";
  static final String SECRET_KEY = "timed-refresh-secret-access-key-do-not-leak";
  static final String REGISTRY = "222222222222.dkr.ecr.eu-west-1.amazonaws.com";
  static final Duration LIFETIME = Duration.ofHours(12);

  final TestClock clock = new TestClock(Instant.now());
  final AtomicInteger calls = new AtomicInteger();
  StubServer ecr;
  OperatorHarness h;

  @BeforeEach
  void start() throws Exception {
    ecr = StubServer.http().handler(this::answer);
    h = new OperatorHarness();
    Map<String, String> env = Map.of("AWS_ENDPOINT_URL_ECR", ecr.url());
    h.start(OperatorHarness.config(java.util.Set.of()), o -> o.withProviders(new ProviderRegistry(List.of(
        new EcrCredentialProvider(new DefaultAwsClientFactory(env), new KubernetesServiceAccountTokens(h.client)))))
        .withClock(clock).withJitter(() -> 0));
    Fixtures.dataSecret(h.client, PLATFORM_NS, "aws-keys", Map.of("accessKeyId", KEY_ID, "secretAccessKey", SECRET_KEY));
    for (int i = 1; i <= 5; i++) {
      io.pullsecrets.operator.testing.SecretScan.register("timed-ecr-token-" + i);
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
    SigV4.verify(r, Map.of(KEY_ID, SECRET_KEY));
    int n = calls.incrementAndGet();
    String token = Base64.getEncoder().encodeToString(("AWS:timed-ecr-token-" + n).getBytes(StandardCharsets.UTF_8));
    // ECR states expiry on its own clock; the operator's clock is the test's.
    long exp = clock.instant().plus(LIFETIME).getEpochSecond();
    return Response.json(200, "{\"authorizationData\":[{\"authorizationToken\":\"" + token + "\",\"expiresAt\":" + exp
        + ",\"proxyEndpoint\":\"https://" + REGISTRY + "\"}]}");
  }

  static RegistryCredential ecrCredential(List<String> namespaces) {
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
    rc.setSpec(spec);
    return rc;
  }

  String dockerConfig(String ns) {
    return h.secret(ns, "ecr-pull").map(s -> Fixtures.unb64(s.getData().get(".dockerconfigjson"))).orElse("");
  }

  /** A namespace event reconciles every credential; waits for a reconcile that began after it. */
  void tick(int i) {
    int before = h.reconciles(PLATFORM_NS, "ecr");
    h.client.namespaces().withName("ticker").edit(ns -> {
      ns.getMetadata().getLabels().put("tick", Integer.toString(i));
      return ns;
    });
    h.awaitUntil(() -> h.reconciles(PLATFORM_NS, "ecr") > before);
  }

  @Test
  void passingNextRefreshTimeFetchesANewTokenForEveryNamespace() {
    List<String> namespaces = List.of("team-a", "team-b", "team-c");
    namespaces.forEach(ns -> Fixtures.namespace(h.client, ns, Map.of()));
    Fixtures.namespace(h.client, "ticker", Map.of("tick", "0"));
    h.apply(ecrCredential(namespaces));

    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "ecr");
    assertThat(calls.get()).isEqualTo(1);
    assertThat(namespaces).allSatisfy(ns -> assertThat(dockerConfig(ns)).contains("\"password\":\"timed-ecr-token-1\""));
    Instant next = Instant.parse(ready.getStatus().getNextRefreshTime());
    // 25% before a 12 h expiry, no jitter: 9 h after the fetch (on the operator's clock).
    assertThat(Duration.between(clock.instant(), next)).isBetween(Duration.ofHours(9).minusSeconds(2), Duration.ofHours(9));

    // Up to a minute before nextRefreshTime, events reuse the token.
    clock.advance(Duration.between(clock.instant(), next).minusMinutes(1));
    tick(1);
    tick(2);
    assertThat(calls.get()).isEqualTo(1);
    assertThat(namespaces).allSatisfy(ns -> assertThat(dockerConfig(ns)).contains("timed-ecr-token-1"));

    // Past nextRefreshTime: the same kind of event now finds the refresh due.
    clock.advance(Duration.ofMinutes(2));
    tick(3);
    h.awaitUntil(() -> namespaces.stream().allMatch(ns -> dockerConfig(ns).contains("\"password\":\"timed-ecr-token-2\"")));
    assertThat(calls.get()).isEqualTo(2);
    RegistryCredential refreshed = h.awaitResource(PLATFORM_NS, "ecr",
        rc -> !ready.getStatus().getNextRefreshTime().equals(rc.getStatus().getNextRefreshTime()));
    assertThat(Instant.parse(refreshed.getStatus().getNextRefreshTime())).isAfter(next.plus(Duration.ofHours(8)));
    tick(4);
    assertThat(calls.get()).isEqualTo(2);
  }
}
