package io.pullsecrets.operator.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.cluster.ClusterView;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod admission webhook: {@code POST /mutate-pods} on its own HTTPS port, AdmissionReview v1
 * in and out. Every replica serves it. The answer comes from the informer caches only; before
 * they have synced, and on any internal error, the pod is allowed unchanged (never fail closed).
 * The serving certificate is re-read (and, when self-managed, rotated) every refresh interval;
 * new TLS handshakes use the new one without a restart.
 */
public final class PodWebhook implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PodWebhook.class);
  public static final String PATH = "/mutate-pods";
  /** How much of an AdmissionReview the webhook reads; pods are far smaller. */
  static final int MAX_BODY = 3 * 1024 * 1024;
  /**
   * The JDK's HTTP server sends headers and body in separate segments; without TCP_NODELAY the
   * client's delayed ACK adds about 40 ms to every admission. The property is read once, when the
   * JDK first creates a server, so {@link io.pullsecrets.operator.Main#main} sets it first thing.
   */
  public static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

  static {
    if (System.getProperty(NODELAY_PROPERTY) == null) {
      System.setProperty(NODELAY_PROPERTY, "true");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** Told about every admission request, for metrics. */
  public interface Listener {
    /**
     * @param result mutated, unchanged, not-ready or error
     * @param took time spent inside the operator deciding
     * @param added names added to the pod
     */
    void admitted(String result, Duration took, int added);

    Listener NONE = (r, t, a) -> {};
  }

  private final HttpsServer server;
  private final ExecutorService executor;
  private final ScheduledExecutorService refresher;
  private final RotatingKeyManager keys;
  private final CertificateSource certificates;
  private final PodInjection injection;
  private final ClusterView cache;
  private final BooleanSupplier cachesSynced;
  private final Listener listener;
  private volatile String certificateProblem = "webhook certificate not loaded yet";

  private PodWebhook(HttpsServer server, ExecutorService executor, ScheduledExecutorService refresher, RotatingKeyManager keys,
      CertificateSource certificates, PodInjection injection, ClusterView cache,
      BooleanSupplier cachesSynced, Listener listener) {
    this.server = server;
    this.executor = executor;
    this.refresher = refresher;
    this.keys = keys;
    this.certificates = certificates;
    this.injection = injection;
    this.cache = cache;
    this.cachesSynced = cachesSynced;
    this.listener = listener;
  }

  /**
   * Loads the certificate (creating it if the operator owns it; on failure the webhook starts
   * without one, is not ready, and retries every refresh interval) and starts serving.
   */
  public static PodWebhook start(int port, CertificateSource certificates, Duration refreshEvery, PodInjection injection,
      ClusterView cache, BooleanSupplier cachesSynced, Listener listener) throws IOException {
    RotatingKeyManager keys = new RotatingKeyManager();
    SSLContext ssl;
    try {
      ssl = SSLContext.getInstance("TLS");
      ssl.init(new javax.net.ssl.KeyManager[] {keys}, null, null);
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
    HttpsServer server = HttpsServer.create(new InetSocketAddress(port), 64);
    server.setHttpsConfigurator(new HttpsConfigurator(ssl));
    ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "webhook");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "webhook-certificates");
      t.setDaemon(true);
      return t;
    });
    PodWebhook webhook = new PodWebhook(server, executor, refresher, keys, certificates, injection, cache, cachesSynced, listener);
    webhook.refreshCertificate();
    server.createContext(PATH, webhook::handle);
    server.start();
    refresher.scheduleWithFixedDelay(webhook::refreshCertificate, refreshEvery.toMillis(), refreshEvery.toMillis(), TimeUnit.MILLISECONDS);
    LOG.info("serving the pod admission webhook on HTTPS port {} ({})", webhook.port(), certificates.describe());
    return webhook;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The certificate being served (null before one loaded). */
  public TlsMaterial certificate() {
    return keys.material;
  }

  public CertificateSource certificates() {
    return certificates;
  }

  /** Readiness: empty once a certificate is loaded. */
  public Optional<String> problem() {
    return Optional.ofNullable(certificateProblem);
  }

  /** Loads the current certificate now (also what the periodic refresh runs). */
  public synchronized void refreshCertificate() {
    try {
      TlsMaterial m = certificates.refresh();
      TlsMaterial before = keys.material;
      if (before == null || !before.certPem().equals(m.certPem())) {
        keys.load(m);
        LOG.info("webhook serving certificate loaded, valid until {}", m.notAfter());
      }
      certificateProblem = null;
    } catch (Exception e) {
      if (keys.material == null) {
        certificateProblem = "webhook certificate unavailable: " + e.getClass().getSimpleName();
      }
      LOG.warn("cannot refresh the webhook certificate from {}: {}", certificates.describe(), e.getMessage());
    }
  }

  @Override
  public void close() {
    refresher.shutdownNow();
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("POST")) {
        send(ex, 405, "text/plain; charset=utf-8", "POST an AdmissionReview\n".getBytes(StandardCharsets.UTF_8));
        return;
      }
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readNBytes(MAX_BODY + 1);
      }
      long start = System.nanoTime();
      JsonNode review;
      String uid;
      try {
        review = JSON.readTree(body);
        uid = review.path("request").path("uid").asText("");
      } catch (IOException | RuntimeException e) {
        listener.admitted("error", Duration.ofNanos(System.nanoTime() - start), 0);
        send(ex, 400, "text/plain; charset=utf-8", "not an AdmissionReview\n".getBytes(StandardCharsets.UTF_8));
        return;
      }
      String result;
      String patch = null;
      int added = 0;
      if (body.length > MAX_BODY || uid.isEmpty()) {
        result = "error";
      } else if (!cachesSynced.getAsBoolean()) {
        result = "not-ready";
      } else {
        try {
          PodInjection.Decision d = decide(review.path("request"));
          patch = d.jsonPatch();
          added = d.add().size();
          result = d.mutates() ? "mutated" : "unchanged";
        } catch (RuntimeException e) {
          // Never fail closed: allow the pod as it is.
          LOG.warn("admission of a pod failed; allowing it unchanged: {}", e.toString());
          result = "error";
        }
      }
      ObjectNode response = JSON.createObjectNode();
      response.put("uid", uid);
      response.put("allowed", true);
      if (patch != null) {
        response.put("patchType", "JSONPatch");
        response.put("patch", Base64.getEncoder().encodeToString(patch.getBytes(StandardCharsets.UTF_8)));
      }
      ObjectNode out = JSON.createObjectNode();
      out.put("apiVersion", "admission.k8s.io/v1");
      out.put("kind", "AdmissionReview");
      out.set("response", response);
      byte[] bytes = JSON.writeValueAsBytes(out);
      listener.admitted(result, Duration.ofNanos(System.nanoTime() - start), added);
      send(ex, 200, "application/json", bytes);
    }
  }

  private PodInjection.Decision decide(JsonNode request) {
    if (!"CREATE".equals(request.path("operation").asText()) || !"pods".equals(request.path("resource").path("resource").asText())
        || !request.path("subResource").asText("").isEmpty()) {
      return PodInjection.Decision.unchanged("not a pod creation");
    }
    Pod pod = JSON.convertValue(request.path("object"), Pod.class);
    String namespace = request.path("namespace").asText("");
    if (namespace.isEmpty() && pod.getMetadata() != null && pod.getMetadata().getNamespace() != null) {
      namespace = pod.getMetadata().getNamespace();
    }
    Optional<Namespace> ns = cache.namespace(namespace);
    Optional<ServiceAccount> sa = cache.serviceAccount(namespace, PodInjection.serviceAccountName(pod));
    List<RegistryCredential> credentials = cache.credentials();
    return injection.decide(pod, namespace, ns, sa, credentials);
  }

  private static void send(HttpExchange ex, int status, String contentType, byte[] bytes) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** A key manager whose certificate and key can be replaced while serving. */
  static final class RotatingKeyManager extends X509ExtendedKeyManager {
    static final String ALIAS = "webhook";
    volatile TlsMaterial material;
    private volatile Current current;

    private record Current(X509Certificate[] chain, PrivateKey key) {}

    void load(TlsMaterial m) {
      current = new Current(m.chain().toArray(X509Certificate[]::new), m.privateKey());
      material = m;
    }

    private String alias(String keyType) {
      Current c = current;
      PrivateKey k = c == null ? null : c.key();
      if (k == null) {
        return null;
      }
      return keyType == null || keyType.equals(k.getAlgorithm()) || keyType.startsWith(k.getAlgorithm() + "_")
          || (k.getAlgorithm().equals("RSA") && keyType.startsWith("RSA")) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return alias(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return alias(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      String a = alias(keyType);
      return a == null ? null : new String[] {a};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      Current c = current;
      return ALIAS.equals(alias) && c != null ? c.chain() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      Current c = current;
      return ALIAS.equals(alias) && c != null ? c.key() : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }
}
