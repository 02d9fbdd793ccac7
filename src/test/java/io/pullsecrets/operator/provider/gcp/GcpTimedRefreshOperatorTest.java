package io.pullsecrets.operator.provider.gcp;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.client.http.javanet.NetHttpTransport;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialSpec;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.cloud.KubernetesServiceAccountTokens;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.provider.cloud.TestJwt;
import io.pullsecrets.operator.provider.cloud.TestTls;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.SecretScan;
import io.pullsecrets.operator.testing.TestClock;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13 #1 for GCP: the real Google client against a stub token endpoint that checks the signed
 * jwt-bearer grant; only the operator's clock passing {@code nextRefreshTime} causes the second grant.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class GcpTimedRefreshOperatorTest {
  static final String EMAIL = "timed@my-project.iam.gserviceaccount.com";
  static final String REGISTRY = "europe-docker.pkg.dev";
  final TestClock clock = new TestClock(Instant.now());
  final AtomicInteger grants = new AtomicInteger();
  @RegisterExtension final Closer closer = new Closer();
  KeyPair saKey;
  StubServer google;
  OperatorHarness h;

  Response answer(Request r) {
    assertThat(r.path()).isEqualTo("/token");
    Map<String, String> form = r.form();
    assertThat(form).containsEntry("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
    TestJwt.Parts jwt = TestJwt.verifyRsa(form.get("assertion"), saKey.getPublic());
    assertThat(jwt.claims().path("iss").asText()).isEqualTo(EMAIL);
    assertThat(jwt.claims().path("aud").asText()).isEqualTo("https://oauth2.googleapis.com/token");
    int n = grants.incrementAndGet();
    return Response.json(200, "{\"access_token\":\"ya29.timed-gcp-token-" + n + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
  }

  @Test
  void passingNextRefreshTimeGetsANewGoogleTokenForEveryNamespace() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    saKey = g.generateKeyPair();
    google = closer.add(StubServer.https(TestTls.serverContext()).handler(this::answer));
    NetHttpTransport transport = new NetHttpTransport.Builder()
        .setSslSocketFactory(TestTls.clientContext().getSocketFactory()).build();
    for (int i = 1; i <= 4; i++) {
      SecretScan.register("ya29.timed-gcp-token-" + i);
    }
    h = closer.add(new OperatorHarness());
    h.start(OperatorHarness.config(Set.of(), Set.of(google.hostPort())), o -> o.withProviders(new ProviderRegistry(List.of(
        new GcpCredentialProvider(new DefaultGcpClientFactory(transport), new KubernetesServiceAccountTokens(h.client)))))
        .withClock(clock).withJitter(() -> 0));
    ObjectNode key = new ObjectMapper().createObjectNode();
    key.put("type", "service_account");
    key.put("project_id", "my-project");
    key.put("private_key_id", "0123456789abcdef0123456789abcdef01234567");
    key.put("private_key", TestTls.pem("PRIVATE KEY", saKey.getPrivate().getEncoded()));
    key.put("client_email", EMAIL);
    key.put("client_id", "100000000000000000002");
    key.put("token_uri", google.url() + "/token");
    Fixtures.dataSecret(h.client, PLATFORM_NS, "gcp-key", Map.of("key.json", key.toString()));
    List<String> namespaces = List.of("team-a", "team-b");
    namespaces.forEach(ns -> Fixtures.namespace(h.client, ns, Map.of()));
    Fixtures.namespace(h.client, "ticker", Map.of("tick", "0"));

    RegistryCredential rc = new RegistryCredential();
    rc.getMetadata().setName("gcp");
    rc.getMetadata().setNamespace(PLATFORM_NS);
    RegistryCredentialSpec spec = new RegistryCredentialSpec();
    spec.setProvider(GcpCredentialProviderTest.spec(GcpCredentialProviderTest.key("gcp-key"), REGISTRY));
    spec.setSecretName("gcp-pull");
    TargetsSpec t = new TargetsSpec();
    t.setNamespaces(namespaces);
    spec.setTargets(t);
    rc.setSpec(spec);
    h.apply(rc);

    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "gcp");
    assertThat(grants.get()).isEqualTo(1);
    assertThat(namespaces).allSatisfy(ns -> assertThat(h.dockerConfig(ns, "gcp-pull")).contains("ya29.timed-gcp-token-1"));
    Instant next = Instant.parse(ready.getStatus().getNextRefreshTime());
    // 25% before the hour's expiry (Google states it on its own clock): about 45 minutes.
    assertThat(Duration.between(clock.instant(), next)).isBetween(Duration.ofMinutes(44), Duration.ofMinutes(46));

    h.crossRefreshTime(clock, next, "gcp", grants::get);
    h.awaitUntil(() -> namespaces.stream().allMatch(ns -> h.dockerConfig(ns, "gcp-pull").contains("ya29.timed-gcp-token-2")));
    assertThat(grants.get()).isEqualTo(2);
  }
}
