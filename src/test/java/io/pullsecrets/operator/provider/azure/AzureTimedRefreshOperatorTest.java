package io.pullsecrets.operator.provider.azure;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslContextBuilder;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.cloud.KubernetesServiceAccountTokens;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.provider.cloud.TestJwt;
import io.pullsecrets.operator.provider.cloud.TestTls;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.SecretScan;
import io.pullsecrets.operator.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13 #1 for Azure: the real MSAL and ACR exchange against the Entra and ACR stubs; only the
 * operator's clock passing {@code nextRefreshTime} causes the second ACR refresh token.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class AzureTimedRefreshOperatorTest {
  static final String TENANT = AzureCredentialProviderTest.TENANT;
  static final String CLIENT_ID = AzureCredentialProviderTest.CLIENT_ID;
  static final String CLIENT_SECRET = "timed-entra-client-secret-do-not-leak";
  static final String ENTRA_TOKEN = "eyJ0eXAiOiJKV1QifQ.timed-entra-access-token.do-not-leak";
  static final Duration LIFETIME = Duration.ofHours(3);

  final TestClock clock = new TestClock(Instant.now());
  final AtomicInteger exchanges = new AtomicInteger();
  final Map<Integer, String> refreshTokens = new ConcurrentHashMap<>();
  @RegisterExtension final Closer closer = new Closer();
  StubServer entra;
  StubServer acr;
  OperatorHarness h;

  Response entraAnswer(Request r) {
    if (!r.path().equals("/" + TENANT + "/oauth2/v2.0/token")) {
      return Response.json(404, "{\"error\":\"not_found\"}");
    }
    Map<String, String> form = r.form();
    assertThat(form).containsEntry("grant_type", "client_credentials").containsEntry("client_id", CLIENT_ID)
        .containsEntry("client_secret", CLIENT_SECRET);
    return Response.json(200, "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":\""
        + ENTRA_TOKEN + "\"}");
  }

  Response acrAnswer(Request r) {
    assertThat(r.path()).isEqualTo("/oauth2/exchange");
    assertThat(r.form()).containsEntry("grant_type", "access_token").containsEntry("service", acr.hostPort())
        .containsEntry("tenant", TENANT).containsEntry("access_token", ENTRA_TOKEN);
    int n = exchanges.incrementAndGet();
    // ACR's refresh token states its expiry; here on the operator's clock.
    String token = TestJwt.make("{\"jti\":\"timed-acr-" + n + "\",\"exp\":" + clock.instant().plus(LIFETIME).getEpochSecond()
        + ",\"grant_type\":\"refresh_token\"}");
    refreshTokens.put(n, token);
    SecretScan.register(token);
    return Response.json(200, "{\"refresh_token\":\"" + token + "\"}");
  }

  @Test
  void passingNextRefreshTimeGetsANewAcrTokenForEveryNamespace() throws Exception {
    entra = closer.add(StubServer.https(TestTls.serverContext()).handler(this::entraAnswer));
    acr = closer.add(StubServer.http().handler(this::acrAnswer));
    var tls = SslContextBuilder.forClient().trustManager(TestTls.trustManagerFactory()).build();
    var entraHttp = new com.azure.core.http.netty.NettyAsyncHttpClientBuilder(
        reactor.netty.http.client.HttpClient.create().secure(s -> s.sslContext(tls))).build();
    SecretScan.register(CLIENT_SECRET);
    h = closer.add(new OperatorHarness());
    h.start(OperatorHarness.config(Set.of(), Set.of(acr.hostPort())), o -> o.withProviders(new ProviderRegistry(List.of(
        new AzureCredentialProvider(new DefaultAzureClientFactory(Map.of("AZURE_AUTHORITY_HOST", entra.url()), entraHttp,
            DefaultAzureClientFactory.defaultRegistryHttp()), new KubernetesServiceAccountTokens(h.client)))))
        .withClock(clock).withJitter(() -> 0));
    Fixtures.dataSecret(h.client, PLATFORM_NS, "sp", Map.of("clientSecret", CLIENT_SECRET));
    List<String> namespaces = List.of("team-a", "team-b");
    namespaces.forEach(ns -> Fixtures.namespace(h.client, ns, Map.of()));
    Fixtures.namespace(h.client, "ticker", Map.of("tick", "0"));

    ProviderSpec p = Fixtures.yaml(ProviderSpec.class, "azure: {registry: '%s', tenantId: '%s'}".formatted(acr.hostPort(), TENANT));
    p.getAzure().setAuth(AzureCredentialProviderTest.clientSecret());
    h.apply(CredentialBuilder.of(PLATFORM_NS, "acr", p).secretName("acr-pull").targets(namespaces).build());

    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "acr");
    assertThat(exchanges.get()).isEqualTo(1);
    assertThat(namespaces).allSatisfy(ns -> assertThat(h.dockerConfig(ns, "acr-pull")).contains(refreshTokens.get(1)));
    Instant next = Instant.parse(ready.getStatus().getNextRefreshTime());
    // 25% before a 3 h expiry, no jitter: 2 h 15 min after the exchange.
    assertThat(Duration.between(clock.instant(), next)).isBetween(Duration.ofMinutes(134), Duration.ofMinutes(135));

    h.crossRefreshTime(clock, next, "acr", exchanges::get);
    h.awaitUntil(() -> refreshTokens.containsKey(2)
        && namespaces.stream().allMatch(ns -> h.dockerConfig(ns, "acr-pull").contains(refreshTokens.get(2))));
    assertThat(exchanges.get()).isEqualTo(2);
  }
}
