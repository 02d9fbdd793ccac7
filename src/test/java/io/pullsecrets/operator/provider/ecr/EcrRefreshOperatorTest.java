package io.pullsecrets.operator.provider.ecr;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole operator with the real ECR provider (AWS SDK) against a stub that checks SigV4 and
 * the target like ECR does: one GetAuthorizationToken per refresh, outages, expiry, forced refresh.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class EcrRefreshOperatorTest {
  @RegisterExtension final Closer closer = new Closer();
  EcrStub stub;
  OperatorHarness h;

  @BeforeEach
  void start() throws Exception {
    stub = closer.add(new EcrStub("ecr-token", java.time.Clock.systemUTC()));
    h = closer.add(new OperatorHarness());
    h.start(OperatorHarness.config(java.util.Set.of()), o -> o.withProviders(new ProviderRegistry(List.of(stub.provider(h.operatorClient())))));
    stub.keysSecret(h.client, PLATFORM_NS);
  }

  static RegistryCredential ecrCredential(List<String> namespaces, String before) {
    RegistryCredential rc = EcrStub.accessKeysCredential(PLATFORM_NS, "ecr", namespaces);
    return before == null ? rc : CredentialBuilder.of(rc).refreshBefore(before).build();
  }

  String password(String ns) {
    return h.secret(ns, "ecr-pull").map(Fixtures::dockerConfigJson).orElse("");
  }

  @Test
  void fiftyNamespacesOneCallPerRefreshAndTheAnnotationForcesExactlyOne() {
    List<String> namespaces = IntStream.range(0, 50).mapToObj(i -> "team-" + i).toList();
    namespaces.forEach(ns -> Fixtures.namespace(h.client, ns, Map.of()));
    h.apply(ecrCredential(namespaces, null));

    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "ecr");
    assertThat(stub.calls.get()).isEqualTo(1);
    assertThat(namespaces).allSatisfy(ns -> assertThat(password(ns)).contains("\"username\":\"AWS\",\"password\":\"ecr-token-1\""));
    assertThat(ready.getStatus().getExpiresAt()).isNotNull();
    assertThat(Instant.parse(ready.getStatus().getNextRefreshTime()))
        .isBetween(Instant.now().plus(Duration.ofMinutes(8 * 60)), Instant.now().plus(Duration.ofMinutes(10 * 60)));
    assertThat(condition(ready, "Ready").orElseThrow().getMessage()).startsWith("50/50 namespaces; token valid until ");

    h.requestRefresh(PLATFORM_NS, "ecr", "1");
    h.awaitUntil(() -> namespaces.stream().allMatch(ns -> password(ns).contains("ecr-token-2")));
    h.awaitReady(PLATFORM_NS, "ecr");
    int reconciles = h.reconciles(PLATFORM_NS, "ecr");
    // More events (a namespace, a status write) reuse the token.
    Fixtures.namespace(h.client, "unrelated", Map.of());
    h.awaitUntil(() -> h.reconciles(PLATFORM_NS, "ecr") > reconciles);
    assertThat(stub.calls.get()).isEqualTo(2);
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

    stub.failWith = 503;
    h.requestRefresh(PLATFORM_NS, "ecr", "outage");
    RegistryCredential failing = h.awaitCondition(PLATFORM_NS, "ecr", "Reconciling", "True", "ProviderUnavailable");
    assertThat(condition(failing, "TokenValid").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(condition(failing, "Ready").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(condition(failing, "Reconciling").orElseThrow().getMessage()).contains("req-").doesNotContain(EcrStub.SECRET_KEY);
    assertThat(h.secret("team-a", "ecr-pull").orElseThrow().getMetadata().getResourceVersion()).isEqualTo(before);
    h.awaitUntil(() -> stub.calls.get() >= 4); // 1 good + retries after 1 s, 2 s
    int afterThree = stub.calls.get();
    assertThat(afterThree).isLessThanOrEqualTo(5);
    assertThat(h.client.v1().events().inNamespace(PLATFORM_NS).list().getItems().stream()
        .filter(e -> "RefreshFailed".equals(e.getReason()))).hasSize(1);

    stub.failWith = 0;
    h.awaitUntil(() -> password("team-a").contains("ecr-token-" + (stub.calls.get())) && stub.calls.get() > afterThree);
    RegistryCredential recovered = h.awaitReady(PLATFORM_NS, "ecr");
    assertThat(condition(recovered, "Reconciling")).isEmpty();
  }

  @Test
  void expiryFlipsTokenValidAndReadyWhenTheTokenRunsOut() {
    stub.lifetime = Duration.ofSeconds(3);
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.apply(ecrCredential(List.of("team-a"), "10%"));
    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "ecr");
    Instant expires = Instant.parse(ready.getStatus().getExpiresAt());
    stub.failWith = 500;

    RegistryCredential expired = h.awaitCondition(PLATFORM_NS, "ecr", "Ready", "False", "TokenExpired");
    assertThat(Instant.now()).isAfterOrEqualTo(expires);
    assertThat(condition(expired, "TokenValid").orElseThrow().getReason()).isEqualTo("TokenExpired");
    // The expired Secret is left as it was, never emptied.
    assertThat(password("team-a")).contains("ecr-token-1");
  }
}
