package io.pullsecrets.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.pullsecrets.operator.LogCapture;
import io.pullsecrets.operator.Main;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.http.MetricsEndpoint;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OnRealControlPlane;
import io.pullsecrets.operator.testing.MainOnRealServer;
import io.pullsecrets.operator.webhook.TlsMaterial;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * /metrics with authentication on the real API server: the operator (as the chart's
 * ServiceAccount, with the chart's RBAC) reviews each scraper's token. No token: 401; a
 * ServiceAccount's token without the chart's metrics-reader ClusterRole: 403; with it: 200 and
 * the series. Tokens come from the TokenRequest API, as a scraper's projected token does.
 */
@OnRealControlPlane
class AuthenticatedMetricsTest {
  static final String OPS = MainOnRealServer.OPERATOR_NS;
  static final String SCRAPERS = "scrapers";
  /** The chart's ClusterRole for scrapers (deploy/ renders it; the harness applies it). */
  static final String READER_ROLE = "pullsecret-operator-metrics-reader";
  static final String BINDING = "authenticated-metrics-test-reader";
  static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension final Closer closer = new Closer();
  final MainOnRealServer server = closer.add(new MainOnRealServer());
  Main.Running running;

  @BeforeEach
  void setUp() {
    closer.add(() -> server.client.rbac().clusterRoleBindings().withName(BINDING).delete());
    Fixtures.namespace(server.client, SCRAPERS, Map.of());
    Fixtures.serviceAccount(server.client, SCRAPERS, "prometheus", Map.of());
    Fixtures.serviceAccount(server.client, SCRAPERS, "stranger", Map.of());
    server.client.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(BINDING).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(READER_ROLE).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName("prometheus").withNamespace(SCRAPERS).endSubject().build()).serverSideApply();
  }

  @Test
  void metricsNeedATokenAllowedToGetMetrics() throws Exception {
    OperatorConfig config = MainOnRealServer.config().withMetrics(OperatorConfig.Metrics.secureOn(0));
    String reader = token("prometheus");
    String stranger = token("stranger");
    try (LogCapture endpointLog = LogCapture.of(MetricsEndpoint.class, "text");
        LogCapture authLog = LogCapture.of(io.pullsecrets.operator.http.MetricsAuthorizer.class, "text")) {
      running = closer.add(server.create(config));
      running.start();
      int port = running.metricsPort().orElseThrow();
      HttpClient https = Prometheus.https(running.certificate().orElseThrow().material().bundlePem());

      HttpResponse<String> none = Prometheus.getSecure(https, port, null);
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      assertThat(Prometheus.getSecure(https, port, "not-a-token").statusCode()).isEqualTo(401);
      assertThat(Prometheus.getSecure(https, port, "x" + reader.substring(1)).statusCode()).as("a forged token").isEqualTo(401);

      HttpResponse<String> refused = Prometheus.getSecure(https, port, stranger);
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.body()).contains("system:serviceaccount:scrapers:stranger");

      HttpResponse<String> ok = Prometheus.getSecure(https, port, reader);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
      assertThat(Prometheus.value(ok.body(), "pullsecret_leader", Map.of())).hasValue(1);
      for (int i = 0; i < 4; i++) {
        assertThat(Prometheus.getSecure(https, port, reader).statusCode()).isEqualTo(200);
      }
      // Five scrapes, one review each of the reader's token: the answer is cached.
      List<JsonNode> reviews = server.api.operatorAuditEvents().stream()
          .filter(e -> e.path("objectRef").path("resource").asText().equals("tokenreviews")).toList();
      assertThat(reviews).as("TokenReviews the operator sent: not-a-token, forged, stranger, and the reader's once").hasSize(4);
      assertThat(server.api.operatorAuditEvents().stream()
          .filter(e -> e.path("objectRef").path("resource").asText().equals("subjectaccessreviews")).count()).isEqualTo(2);

      // The plain port: probes without a token, no metrics.
      assertThat(Prometheus.get(running.httpPort(), "/healthz").status()).isEqualTo(200);
      assertThat(Prometheus.get(running.httpPort(), "/readyz").status()).isEqualTo(200);
      Prometheus.Response plain = Prometheus.get(running.httpPort(), "/metrics");
      assertThat(plain.status()).isEqualTo(404);
      assertThat(plain.body()).contains("HTTPS on port " + port);

      // No token, nor a part of one, in the logs.
      for (String line : concat(endpointLog.lines(), authLog.lines())) {
        assertThat(line).doesNotContain(reader.substring(0, 40)).doesNotContain(stranger.substring(0, 40));
      }
    }
  }

  @Test
  void theSelfManagedCertificateNamesTheMetricsService() {
    OperatorConfig config = MainOnRealServer.config().withMetrics(OperatorConfig.Metrics.secureOn(0));
    running = closer.add(server.create(config));
    await().atMost(WAIT).until(() -> running.certificate().orElseThrow().material() != null);
    X509Certificate leaf = running.certificate().orElseThrow().material().chain().get(0);
    assertThat(sans(leaf)).contains("pullsecret-operator-metrics." + OPS + ".svc", "pullsecret-operator-metrics." + OPS + ".svc.cluster.local");
  }

  static List<String> sans(X509Certificate c) {
    try {
      return c.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))).toList();
    } catch (java.security.cert.CertificateParsingException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  String token(String serviceAccount) {
    return server.client.serviceAccounts().inNamespace(SCRAPERS).withName(serviceAccount).tokenRequest(new TokenRequestBuilder()
        .withNewSpec().withExpirationSeconds(600L).endSpec().build()).getStatus().getToken();
  }
}
