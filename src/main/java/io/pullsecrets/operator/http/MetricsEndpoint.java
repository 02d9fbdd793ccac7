package io.pullsecrets.operator.http;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.Supplier;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /metrics} over HTTPS for authenticated readers only (see {@link MetricsAuthorizer}): 401
 * without a token the API server accepts, 403 when its user may not get /metrics, else the scrape.
 * The reviews are API calls and the scrape renders every series, so both run on a pool of two
 * threads with a queue of eight; beyond that a request gets 503 at once.
 */
public final class MetricsEndpoint implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);

  private final HttpServer server;

  private MetricsEndpoint(HttpServer server) {
    this.server = server;
  }

  private record Answer(int status, String contentType, String body) {}

  public static MetricsEndpoint start(HttpServing serving, int port, X509KeyManager keys, Supplier<String> metrics,
      MetricsAuthorizer authorizer) throws IOException {
    ThreadPoolExecutor pool = serving.pool("metrics-https", 2, 8);
    HttpServer server = serving.listen(port, keys, req -> {
      HttpEndpoints.limitBody(req, HttpEndpoints.MAX_BODY);
      if (!HttpEndpoints.allowed(req)) {
        return;
      }
      if (!req.path().equals(MetricsAuthorizer.PATH)) {
        HttpEndpoints.send(req, 404, HttpEndpoints.TEXT, "not found; try /metrics\n");
        return;
      }
      String authorization = req.getHeader(HttpHeaders.AUTHORIZATION);
      HttpServing.offload(pool, () -> answer(authorization, authorizer, metrics), (answer, failure) -> {
        if (failure instanceof RejectedExecutionException) {
          answer = new Answer(503, HttpEndpoints.TEXT, "too many scrapes at once\n");
        } else if (failure instanceof KubernetesClientException k) {
          LOG.warn("cannot review a metrics client's token: HTTP {}", k.getCode());
          answer = new Answer(503, HttpEndpoints.TEXT, "cannot review the token now\n");
        } else if (failure != null) {
          LOG.warn("metrics request failed: {}", failure.getClass().getSimpleName());
          answer = new Answer(500, HttpEndpoints.TEXT, "scrape failed\n");
        }
        if (answer.status() == 401) {
          req.response().putHeader("WWW-Authenticate", "Bearer realm=\"pullsecret-operator\"");
        }
        HttpEndpoints.send(req, answer.status(), answer.contentType(), answer.body());
      });
    });
    LOG.info("serving /metrics over HTTPS on port {} to bearer tokens allowed to get /metrics", server.actualPort());
    return new MetricsEndpoint(server);
  }

  private static Answer answer(String authorization, MetricsAuthorizer authorizer, Supplier<String> metrics) {
    MetricsAuthorizer.Decision d = authorizer.decide(authorization);
    return switch (d.status()) {
      case 200 -> new Answer(200, HttpEndpoints.PROMETHEUS_CONTENT_TYPE, metrics.get());
      case 403 -> {
        LOG.debug("metrics refused to {}: may not get /metrics", d.user());
        yield new Answer(403, HttpEndpoints.TEXT, "forbidden: " + d.user() + " may not get /metrics\n");
      }
      default -> new Answer(401, HttpEndpoints.TEXT, "unauthorized: send a bearer token (a ServiceAccount bound to metrics-reader)\n");
    };
  }

  public int port() {
    return server.actualPort();
  }

  @Override
  public void close() {
    try {
      server.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
  }
}
