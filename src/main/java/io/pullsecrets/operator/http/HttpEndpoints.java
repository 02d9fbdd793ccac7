package io.pullsecrets.operator.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's one HTTP port: {@code /metrics} (Prometheus text format 0.0.4), {@code /healthz}
 * (liveness) and {@code /readyz} (readiness). Health answers 200 with "ok" or 503 with the reason.
 */
public final class HttpEndpoints implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoints.class);
  public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** A health check: empty when healthy, otherwise what is wrong. */
  public interface Check {
    java.util.Optional<String> problem();
  }

  private final HttpServer server;
  private final ExecutorService executor;

  private HttpEndpoints(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Binds all interfaces on {@code port} (0 picks a free port) and starts serving. */
  public static HttpEndpoints start(int port, Supplier<String> metrics, Check live, Check ready) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/metrics", ex -> {
      if (!allowed(ex)) {
        return;
      }
      String body;
      try {
        body = metrics.get();
      } catch (RuntimeException e) {
        LOG.warn("metrics scrape failed: {}", e.toString());
        send(ex, 500, "text/plain; charset=utf-8", "scrape failed\n");
        return;
      }
      send(ex, 200, PROMETHEUS_CONTENT_TYPE, body);
    });
    server.createContext("/healthz", ex -> health(ex, live));
    server.createContext("/readyz", ex -> health(ex, ready));
    server.createContext("/", ex -> {
      if (allowed(ex)) {
        send(ex, 404, "text/plain; charset=utf-8", "not found; try /metrics, /healthz or /readyz\n");
      }
    });
    server.start();
    LOG.info("serving /metrics, /healthz and /readyz on port {}", server.getAddress().getPort());
    return new HttpEndpoints(server, executor);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private static void health(HttpExchange ex, Check check) throws IOException {
    if (!allowed(ex)) {
      return;
    }
    java.util.Optional<String> problem;
    try {
      problem = check.problem();
    } catch (RuntimeException e) {
      problem = java.util.Optional.of("check failed: " + e.getClass().getSimpleName());
    }
    if (problem.isEmpty()) {
      send(ex, 200, "text/plain; charset=utf-8", "ok\n");
    } else {
      send(ex, 503, "text/plain; charset=utf-8", problem.get() + "\n");
    }
  }

  private static boolean allowed(HttpExchange ex) throws IOException {
    String m = ex.getRequestMethod();
    if (m.equals("GET") || m.equals("HEAD")) {
      return true;
    }
    ex.getResponseHeaders().set("Allow", "GET, HEAD");
    send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
    return false;
  }

  private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      if (!head) {
        out.write(bytes);
      }
    }
  }
}
