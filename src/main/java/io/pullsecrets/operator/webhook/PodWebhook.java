package io.pullsecrets.operator.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.cluster.ClusterView;
import io.pullsecrets.operator.http.HttpServing;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod admission webhook: {@code POST /mutate-pods} on its own HTTPS port, AdmissionReview v1
 * in and out. Every replica serves it. The answer comes from the informer caches only; before
 * they have synced, and on any internal error, the pod is allowed unchanged (never fail closed).
 * The serving certificate is re-read (and, when self-managed, rotated) every refresh interval;
 * new TLS handshakes use the new one without a restart.
 *
 * <p>The body is read on the event loop (at most {@link #MAX_BODY} bytes; a larger request gets
 * 413 and its connection is closed). Parsing up to 3 MiB of JSON and deciding take milliseconds,
 * too long for an event loop that also reads every other connection, so they run on a pool of
 * four threads with a queue of 64; when that is full the pod is allowed unchanged at once.
 */
public final class PodWebhook implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PodWebhook.class);
  public static final String PATH = "/mutate-pods";
  /** How much of an AdmissionReview the webhook reads; pods are far smaller. */
  static final int MAX_BODY = 3 * 1024 * 1024;

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

  /** What {@link #respond} computed: the status and body to send. */
  private record Answer(int status, String contentType, byte[] body) {}

  private final HttpServing owned;
  private final ServingCertificate ownedCertificate;
  private final HttpServer server;
  private final ServingCertificate certificate;
  private final PodInjection injection;
  private final ClusterView cache;
  private final BooleanSupplier cachesSynced;
  private final Listener listener;
  private final ThreadPoolExecutor work;

  private PodWebhook(HttpServing serving, HttpServing owned, ServingCertificate certificate, ServingCertificate ownedCertificate,
      int port, PodInjection injection, ClusterView cache, BooleanSupplier cachesSynced,
      Listener listener) throws IOException {
    this.owned = owned;
    this.ownedCertificate = ownedCertificate;
    this.certificate = certificate;
    this.injection = injection;
    this.cache = cache;
    this.cachesSynced = cachesSynced;
    this.listener = listener;
    this.work = serving.pool("webhook", 4, 64);
    this.server = serving.listen(port, certificate.keyManager(), this::handle);
  }

  /**
   * On a server of its own with the default limits: loads the certificate (creating it if the
   * operator owns it; on failure the webhook starts without one, is not ready, and retries every
   * refresh interval) and starts serving.
   */
  public static PodWebhook start(int port, CertificateSource certificates, Duration refreshEvery, PodInjection injection,
      ClusterView cache, BooleanSupplier cachesSynced, Listener listener) throws IOException {
    HttpServing serving = HttpServing.create(HttpServing.Limits.DEFAULT);
    ServingCertificate certificate = ServingCertificate.start("webhook", certificates, refreshEvery);
    try {
      return start(serving, serving, port, certificate, certificate, injection, cache, cachesSynced, listener);
    } catch (IOException | RuntimeException e) {
      certificate.close();
      serving.close();
      throw e;
    }
  }

  /** Serves on {@code serving} with {@code certificate} (both closed by their owner, not by this webhook). */
  public static PodWebhook start(HttpServing serving, int port, ServingCertificate certificate, PodInjection injection,
      ClusterView cache, BooleanSupplier cachesSynced, Listener listener) throws IOException {
    return start(serving, null, port, certificate, null, injection, cache, cachesSynced, listener);
  }

  private static PodWebhook start(HttpServing serving, HttpServing owned, int port, ServingCertificate certificate,
      ServingCertificate ownedCertificate, PodInjection injection, ClusterView cache,
      BooleanSupplier cachesSynced, Listener listener) throws IOException {
    PodWebhook webhook = new PodWebhook(serving, owned, certificate, ownedCertificate, port, injection, cache, cachesSynced, listener);
    LOG.info("serving the pod admission webhook on HTTPS port {} ({})", webhook.port(), certificate.source().describe());
    Thread warm = new Thread(webhook::warmUp, "webhook-warm-up");
    warm.setDaemon(true);
    warm.start();
    return webhook;
  }

  /**
   * One TLS handshake and request to this server over loopback, so that the API server's first
   * admission does not pay for loading and compiling the TLS and HTTP code (seen above the
   * webhook's 3 s timeout on a busy node). Best effort: nothing happens without a certificate.
   */
  private void warmUp() {
    TlsMaterial m = certificate.material();
    if (m == null) {
      return;
    }
    try {
      java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (java.security.cert.X509Certificate c : TlsMaterial.certificates(m.bundlePem().isBlank() ? m.certPem() : m.bundlePem())) {
        trust.setCertificateEntry("ca" + i++, c);
      }
      javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      try (java.net.Socket s = ctx.getSocketFactory().createSocket()) {
        s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port()), 5000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("GET " + PATH + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getInputStream().readAllBytes();
      }
    } catch (Exception e) {
      LOG.debug("webhook warm-up: {}", e.toString());
    }
  }

  public int port() {
    return server.actualPort();
  }

  /** The certificate being served (null before one loaded). */
  public TlsMaterial certificate() {
    return certificate.material();
  }

  public CertificateSource certificates() {
    return certificate.source();
  }

  /** Readiness: empty once a certificate is loaded. */
  public Optional<String> problem() {
    return certificate.problem();
  }

  /** Loads the current certificate now (also what the periodic refresh runs). */
  public void refreshCertificate() {
    certificate.refresh();
  }

  @Override
  public void close() {
    try {
      server.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    work.shutdownNow();
    if (ownedCertificate != null) {
      ownedCertificate.close();
    }
    if (owned != null) {
      owned.close();
    }
  }

  private void handle(HttpServerRequest req) {
    if (!req.method().equals(HttpMethod.POST)) {
      send(req, new Answer(405, "text/plain; charset=utf-8", "POST an AdmissionReview\n".getBytes(StandardCharsets.UTF_8)));
      return;
    }
    Buffer body = Buffer.buffer();
    req.handler(chunk -> {
      if (req.response().ended()) {
        return;
      }
      if (body.length() + chunk.length() > MAX_BODY) {
        listener.admitted("error", Duration.ZERO, 0);
        req.response().setStatusCode(413).putHeader("Content-Type", "text/plain; charset=utf-8").putHeader("Connection", "close")
            .end("an AdmissionReview is at most " + MAX_BODY + " bytes\n")
            .onComplete(x -> req.connection().close());
        return;
      }
      body.appendBuffer(chunk);
    });
    req.endHandler(v -> {
      if (req.response().ended()) {
        return;
      }
      byte[] bytes = body.getBytes();
      HttpServing.offload(work, () -> respond(bytes), (answer, failure) -> {
        if (failure != null) {
          // Busy or broken: allow unchanged rather than make the API server wait (never fail closed).
          LOG.warn("admission of a pod not decided ({}); allowing it unchanged", failure.getClass().getSimpleName());
          listener.admitted("error", Duration.ZERO, 0);
          answer = allowUnchanged(bytes);
        }
        send(req, answer);
      });
    });
  }

  /** An AdmissionReview response allowing the request unchanged, or 400 when the body is no AdmissionReview. */
  private static Answer allowUnchanged(byte[] body) {
    try {
      String uid = JSON.readTree(body).path("request").path("uid").asText("");
      return review(uid, null);
    } catch (IOException | RuntimeException e) {
      return new Answer(400, "text/plain; charset=utf-8", "not an AdmissionReview\n".getBytes(StandardCharsets.UTF_8));
    }
  }

  private Answer respond(byte[] body) throws IOException {
    long start = System.nanoTime();
    JsonNode review;
    String uid;
    try {
      review = JSON.readTree(body);
      uid = review.path("request").path("uid").asText("");
    } catch (IOException | RuntimeException e) {
      listener.admitted("error", Duration.ofNanos(System.nanoTime() - start), 0);
      return new Answer(400, "text/plain; charset=utf-8", "not an AdmissionReview\n".getBytes(StandardCharsets.UTF_8));
    }
    String result;
    String patch = null;
    int added = 0;
    if (uid.isEmpty()) {
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
    Answer answer = review(uid, patch);
    listener.admitted(result, Duration.ofNanos(System.nanoTime() - start), added);
    return answer;
  }

  private static Answer review(String uid, String patch) throws IOException {
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
    return new Answer(200, "application/json", JSON.writeValueAsBytes(out));
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
    List<CredentialResource<?>> credentials = cache.credentials();
    return injection.decide(pod, namespace, ns, sa, credentials);
  }

  private static void send(HttpServerRequest req, Answer a) {
    if (req.response().ended() || req.response().closed()) {
      return;
    }
    req.response().setStatusCode(a.status()).putHeader("Content-Type", a.contentType()).end(Buffer.buffer(a.body()));
  }
}
