package io.pullsecrets.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.cluster.ClusterView;
import io.pullsecrets.operator.testing.Closer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The webhook's HTTPS endpoint without a cluster: AdmissionReview in and out, fail-open, rotation, latency. */
class PodWebhookTest {
  static final ObjectMapper JSON = new ObjectMapper();
  final Map<String, Namespace> namespaces = new HashMap<>();
  final List<CredentialResource<?>> credentials = new CopyOnWriteArrayList<>();
  final AtomicBoolean synced = new AtomicBoolean(true);
  final List<String> results = new CopyOnWriteArrayList<>();
  final List<Duration> took = Collections.synchronizedList(new ArrayList<>());
  final AtomicReference<TlsMaterial> material = new AtomicReference<>(gen());
  @RegisterExtension final Closer closer = new Closer();
  PodWebhook webhook;

  static TlsMaterial gen() {
    return TlsMaterial.generate(List.of("pullsecret-operator-webhook.ops.svc"), Instant.now(), Duration.ofDays(1), null);
  }

  ClusterView cache = new ClusterView() {
    @Override
    public List<CredentialResource<?>> credentials() {
      return credentials;
    }

    @Override
    public Optional<Namespace> namespace(String name) {
      return Optional.ofNullable(namespaces.get(name));
    }

    @Override
    public Optional<ServiceAccount> serviceAccount(String namespace, String name) {
      return Optional.empty();
    }

    @Override
    public List<ServiceAccount> serviceAccounts(String namespace) {
      return List.of();
    }

    @Override
    public Optional<io.fabric8.kubernetes.api.model.Secret> managedSecret(String namespace, String name) {
      return Optional.empty();
    }

    @Override
    public List<io.fabric8.kubernetes.api.model.Secret> managedSecretsOf(String credentialUid) {
      return List.of();
    }
  };

  PodWebhook start() throws Exception {
    CertificateSource source = new CertificateSource() {
      @Override
      public TlsMaterial refresh() {
        return material.get();
      }

      @Override
      public String describe() {
        return "test";
      }
    };
    webhook = closer.add(PodWebhook.start(0, source, Duration.ofHours(1), new PodInjection(PodInjectionTest.CONFIG, PodInjectionTest.PROVIDERS), cache, synced::get,
        (result, t, added) -> {
          results.add(result);
          took.add(t);
        }));
    return webhook;
  }

  static String review(String uid, String namespace, String podJson) {
    return "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"" + uid + "\","
        + "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},"
        + "\"namespace\":\"" + namespace + "\",\"operation\":\"CREATE\",\"object\":" + podJson + "}}";
  }

  record Answer(JsonNode response, X509Certificate served) {
    String patch() {
      JsonNode p = response.path("patch");
      return p.isMissingNode() ? null : new String(Base64.getDecoder().decode(p.asText()), StandardCharsets.UTF_8);
    }
  }

  /** One socket factory per trusted bundle, so connections are kept alive between requests. */
  final Map<String, javax.net.ssl.SSLSocketFactory> factories = new HashMap<>();

  javax.net.ssl.SSLSocketFactory factory(String trustedBundle) throws Exception {
    javax.net.ssl.SSLSocketFactory f = factories.get(trustedBundle);
    if (f != null) {
      return f;
    }
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    int i = 0;
    for (X509Certificate c : TlsMaterial.certificates(trustedBundle)) {
      ts.setCertificateEntry("ca" + i++, c);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    factories.put(trustedBundle, ctx.getSocketFactory());
    return ctx.getSocketFactory();
  }

  Answer post(String body, String trustedBundle) throws Exception {
    HttpsURLConnection c = (HttpsURLConnection) new URL("https://127.0.0.1:" + webhook.port() + PodWebhook.PATH).openConnection();
    c.setSSLSocketFactory(factory(trustedBundle));
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setRequestProperty("Content-Type", "application/json");
    try (OutputStream out = c.getOutputStream()) {
      out.write(body.getBytes(StandardCharsets.UTF_8));
    }
    assertThat(c.getResponseCode()).isEqualTo(200);
    Certificate served = c.getServerCertificates()[0];
    try (InputStream in = c.getInputStream()) {
      JsonNode root = JSON.readTree(in);
      assertThat(root.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
      return new Answer(root.path("response"), (X509Certificate) served);
    }
  }

  @Test
  void mutatesOverTlsAndAllowsEverythingElseUnchanged() throws Exception {
    namespaces.put("team-a", PodInjectionTest.ns("team-a", PodInjectionTest.PULL));
    credentials.add(PodInjectionTest.BY_LABEL);
    start();
    String bundle = material.get().bundlePem();
    Answer a = post(review("u1", "team-a", "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}"), bundle);
    assertThat(a.response().path("uid").asText()).isEqualTo("u1");
    assertThat(a.response().path("allowed").asBoolean()).isTrue();
    assertThat(a.response().path("patchType").asText()).isEqualTo("JSONPatch");
    assertThat(a.patch()).isEqualTo("[{\"op\":\"add\",\"path\":\"/spec/imagePullSecrets\",\"value\":[{\"name\":\"ecr-pull\"}]}]");

    // already listed: no patch
    Answer b = post(review("u2", "team-a", "{\"spec\":{\"imagePullSecrets\":[{\"name\":\"ecr-pull\"}],\"containers\":[]}}"), bundle);
    assertThat(b.response().path("allowed").asBoolean()).isTrue();
    assertThat(b.patch()).isNull();

    // an object that is not a pod: internal error, allowed unchanged (never fail closed)
    Answer c = post(review("u3", "team-a", "{\"spec\":{\"containers\":\"not-a-list\"}}"), bundle);
    assertThat(c.response().path("allowed").asBoolean()).isTrue();
    assertThat(c.patch()).isNull();

    // caches not synced yet: allowed unchanged
    synced.set(false);
    Answer d = post(review("u4", "team-a", "{\"spec\":{\"containers\":[]}}"), bundle);
    assertThat(d.response().path("allowed").asBoolean()).isTrue();
    assertThat(d.patch()).isNull();
    assertThat(results).containsExactly("mutated", "unchanged", "error", "not-ready");
  }

  @Test
  void servesARotatedCertificateWithoutRestarting() throws Exception {
    start();
    TlsMaterial first = material.get();
    assertThat(webhook.problem()).isEmpty();
    Answer a = post(review("u1", "team-a", "{\"spec\":{}}"), first.bundlePem());
    assertThat(a.served()).isEqualTo(first.chain().get(0));

    TlsMaterial second = TlsMaterial.generate(List.of("pullsecret-operator-webhook.ops.svc"), Instant.now(), Duration.ofDays(1), first.bundlePem());
    assertThat(TlsMaterial.certificates(second.bundlePem()))
        .containsExactly(TlsMaterial.certificates(second.caPem()).get(0), TlsMaterial.certificates(first.caPem()).get(0));
    material.set(second);
    webhook.refreshCertificate();
    Answer b = post(review("u2", "team-a", "{\"spec\":{}}"), second.bundlePem());
    assertThat(b.served()).isEqualTo(second.chain().get(0));
    assertThat(b.response().path("allowed").asBoolean()).isTrue();
  }

  /** 1,000 namespaces (half labelled) and 20 credentials: by selector, by name, some for every ServiceAccount. */
  void thousandNamespacesAndTwentyCredentials() {
    for (int i = 0; i < 1000; i++) {
      namespaces.put("ns-" + i, PodInjectionTest.ns("ns-" + i, i % 2 == 0 ? Map.of("pull", "yes", "team", "t" + (i % 10)) : Map.of("team", "t" + (i % 10))));
    }
    for (int i = 0; i < 20; i++) {
      RegistryCredential rc = PodInjectionTest.rc("platform", "rc-" + i, "pull-" + i,
          i % 2 == 0 ? io.pullsecrets.operator.testing.Fixtures.targetSelector(Map.of("team", "t" + (i % 10))) : io.pullsecrets.operator.testing.Fixtures.targetNamespaces("ns-" + i, "ns-" + (i + 1)),
          i % 3 == 0 ? PodInjectionTest.saAll() : null);
      credentials.add(rc);
    }
  }

  /** Sends {@code n} pod reviews over one kept-alive TLS connection, round robin over the namespaces. */
  void admit(int n) throws Exception {
    String bundle = material.get().bundlePem();
    for (int i = 0; i < n; i++) {
      post(review("u" + i, "ns-" + (i % 1000), "{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}"), bundle);
    }
  }

  @Test
  void aThousandNamespacesAndTwentyCredentialsAreAnsweredFromTheCaches() throws Exception {
    thousandNamespacesAndTwentyCredentials();
    start();
    admit(200);
    // Latency is measured by bench/webhook.sh (WebhookLatency), not asserted here.
    assertThat(results).hasSize(200).doesNotContain("error").contains("mutated", "unchanged");
  }

  @Test
  void certManagerFilesAreServedAndReReadWhenRenewed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    TlsMaterial first = gen();
    write(dir, first);
    CertificateSource files = new FileCertificates(dir);
    webhook = closer.add(PodWebhook.start(0, files, Duration.ofHours(1), new PodInjection(PodInjectionTest.CONFIG, PodInjectionTest.PROVIDERS), cache, synced::get, PodWebhook.Listener.NONE));
    assertThat(webhook.problem()).isEmpty();
    assertThat(post(review("u1", "team-a", "{\"spec\":{}}"), first.caPem()).served()).isEqualTo(first.chain().get(0));
    TlsMaterial renewed = gen();
    write(dir, renewed);
    webhook.refreshCertificate();
    assertThat(post(review("u2", "team-a", "{\"spec\":{}}"), renewed.caPem()).served()).isEqualTo(renewed.chain().get(0));
    // A broken renewal keeps the last good certificate.
    java.nio.file.Files.writeString(dir.resolve("tls.key"), "garbage");
    webhook.refreshCertificate();
    assertThat(webhook.problem()).isEmpty();
    assertThat(webhook.certificate().certPem()).isEqualTo(renewed.certPem());
  }

  static void write(java.nio.file.Path dir, TlsMaterial m) throws Exception {
    java.nio.file.Files.writeString(dir.resolve("tls.crt"), m.certPem());
    java.nio.file.Files.writeString(dir.resolve("tls.key"), m.keyPem());
    java.nio.file.Files.writeString(dir.resolve("ca.crt"), m.caPem());
  }

  @Test
  void noCertificateMeansNotReady() throws Exception {
    CertificateSource failing = new CertificateSource() {
      @Override
      public TlsMaterial refresh() {
        throw new IllegalStateException("forbidden");
      }

      @Override
      public String describe() {
        return "failing";
      }
    };
    webhook = closer.add(PodWebhook.start(0, failing, Duration.ofHours(1), new PodInjection(PodInjectionTest.CONFIG, PodInjectionTest.PROVIDERS), cache, synced::get, PodWebhook.Listener.NONE));
    assertThat(webhook.problem()).hasValue("webhook certificate unavailable: IllegalStateException");
  }

  @Test
  void selfManagedCertificateIsDueWhenAThirdOfItsLifeIsLeft() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    TlsMaterial m = TlsMaterial.generate(List.of("svc.ns.svc"), now, Duration.ofDays(365), null);
    SelfManagedCertificates certs = new SelfManagedCertificates(null, "ns", "s", "c", "svc", java.time.Clock.systemUTC(), Duration.ofDays(365));
    assertThat(certs.due(m, now)).isFalse();
    assertThat(certs.due(m, now.plus(Duration.ofDays(240)))).isFalse();
    assertThat(certs.due(m, now.plus(Duration.ofDays(245)))).isTrue();
    // The serving certificate names the Service and 127.0.0.1, and is signed by the CA.
    X509Certificate leaf = m.chain().get(0);
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=svc.ns.svc");
    assertThat(m.toString()).doesNotContain("PRIVATE");
    org.assertj.core.api.Assertions.assertThatCode(() -> leaf.verify(TlsMaterial.certificates(m.caPem()).get(0).getPublicKey()))
        .doesNotThrowAnyException();
  }

  @Test
  void aSelfManagedCertificateWithoutEveryServiceNameIsReplaced() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    SelfManagedCertificates both = new SelfManagedCertificates(null, "ns", "s", "c", List.of("hook", "scrape"),
        java.time.Clock.systemUTC(), Duration.ofDays(365));
    assertThat(both.dnsNames()).contains("hook.ns.svc", "scrape.ns.svc", "scrape.ns.svc.cluster.local", "localhost");
    TlsMaterial webhookOnly = TlsMaterial.generate(
        new SelfManagedCertificates(null, "ns", "s", "c", "hook", java.time.Clock.systemUTC(), Duration.ofDays(365)).dnsNames(),
        now, Duration.ofDays(365), null);
    assertThat(both.covers(webhookOnly)).isFalse();
    assertThat(both.covers(TlsMaterial.generate(both.dnsNames(), now, Duration.ofDays(365), null))).isTrue();
  }
}
