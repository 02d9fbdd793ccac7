package io.pullsecrets.operator.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's plain HTTP port: {@code /healthz} (liveness), {@code /readyz} (readiness) and,
 * when metrics are served without authentication, {@code /metrics} (Prometheus text format 0.0.4).
 * Health answers 200 with "ok" or 503 with the reason.
 *
 * <p>Health checks read in-memory state and answer on the event loop. A scrape renders every
 * series (its cost grows with the number of credentials), so it runs on a pool of one thread with
 * a queue of four; beyond that a scrape gets 503 at once.
 */
public final class HttpEndpoints implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoints.class);
  public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  static final String TEXT = "text/plain; charset=utf-8";
  /** Requests to these endpoints carry no body; a larger one closes the connection. */
  static final int MAX_BODY = 16 * 1024;

  /** A health check: empty when healthy, otherwise what is wrong. */
  public interface Check {
    java.util.Optional<String> problem();
  }

  private final HttpServing owned;
  private final HttpServer server;

  private HttpEndpoints(HttpServing owned, HttpServer server) {
    this.owned = owned;
    this.server = server;
  }

  /** On a server of its own with the default limits; /metrics served without authentication. */
  public static HttpEndpoints start(int port, Supplier<String> metrics, Check live, Check ready) throws IOException {
    HttpServing serving = HttpServing.create(HttpServing.Limits.DEFAULT);
    try {
      return start(serving, serving, port, metrics, "", live, ready);
    } catch (IOException | RuntimeException e) {
      serving.close();
      throw e;
    }
  }

  /**
   * Binds all interfaces on {@code port} (0 picks a free port) and starts serving.
   *
   * @param metrics the scrape, or null when /metrics is not served here
   * @param metricsElsewhere what a GET /metrics is told when {@code metrics} is null
   */
  public static HttpEndpoints start(HttpServing serving, int port, Supplier<String> metrics, String metricsElsewhere, Check live,
      Check ready) throws IOException {
    return start(serving, null, port, metrics, metricsElsewhere, live, ready);
  }

  private static HttpEndpoints start(HttpServing serving, HttpServing owned, int port, Supplier<String> metrics, String metricsElsewhere,
      Check live, Check ready) throws IOException {
    ThreadPoolExecutor scrapes = serving.pool("metrics-scrape", 1, 4);
    HttpServer server = serving.listen(port, null, req -> {
      limitBody(req, MAX_BODY);
      if (!allowed(req)) {
        return;
      }
      switch (req.path()) {
        case "/healthz" -> health(req, live);
        case "/readyz" -> health(req, ready);
        case "/metrics" -> {
          if (metrics == null) {
            send(req, 404, TEXT, metricsElsewhere + "\n");
          } else {
            scrape(req, scrapes, metrics);
          }
        }
        default -> send(req, 404, TEXT, metrics == null ? "not found; try /healthz or /readyz\n"
            : "not found; try /metrics, /healthz or /readyz\n");
      }
    });
    LOG.info("serving {}/healthz and /readyz on port {}", metrics == null ? "" : "/metrics, ", server.actualPort());
    return new HttpEndpoints(owned, server);
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
    if (owned != null) {
      owned.close();
    }
  }

  /** Runs the scrape on {@code pool}; 503 when it is busy, 500 when the scrape fails. */
  static void scrape(HttpServerRequest req, ThreadPoolExecutor pool, Supplier<String> metrics) {
    HttpServing.offload(pool, metrics::get, (body, failure) -> {
      if (failure == null) {
        send(req, 200, PROMETHEUS_CONTENT_TYPE, body);
      } else if (failure instanceof java.util.concurrent.RejectedExecutionException) {
        send(req, 503, TEXT, "too many scrapes at once\n");
      } else {
        LOG.warn("metrics scrape failed: {}", failure.toString());
        send(req, 500, TEXT, "scrape failed\n");
      }
    });
  }

  private static void health(HttpServerRequest req, Check check) {
    java.util.Optional<String> problem;
    try {
      problem = check.problem();
    } catch (RuntimeException e) {
      problem = java.util.Optional.of("check failed: " + e.getClass().getSimpleName());
    }
    if (problem.isEmpty()) {
      send(req, 200, TEXT, "ok\n");
    } else {
      send(req, 503, TEXT, problem.get() + "\n");
    }
  }

  /** GET and HEAD only; anything else gets 405 with {@code Allow}. */
  static boolean allowed(HttpServerRequest req) {
    HttpMethod m = req.method();
    if (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD)) {
      return true;
    }
    req.response().putHeader("Allow", "GET, HEAD");
    send(req, 405, TEXT, "method not allowed\n");
    return false;
  }

  /** Drops the body; closes the connection once more than {@code max} bytes arrived. */
  static void limitBody(HttpServerRequest req, int max) {
    long[] seen = {0};
    req.handler(chunk -> {
      seen[0] += chunk.length();
      if (seen[0] > max) {
        req.connection().close();
      }
    });
  }

  /** The response (headers only for HEAD, with the length the body would have). */
  static void send(HttpServerRequest req, int status, String contentType, String body) {
    if (req.response().ended() || req.response().closed()) {
      return;
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    req.response().setStatusCode(status).putHeader("Content-Type", contentType);
    if (req.method().equals(HttpMethod.HEAD)) {
      req.response().putHeader("Content-Length", Integer.toString(bytes.length)).end();
    } else {
      req.response().end(Buffer.buffer(bytes));
    }
  }
}
