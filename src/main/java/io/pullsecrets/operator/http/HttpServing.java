package io.pullsecrets.operator.http;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.KeyCertOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import javax.net.ssl.X509KeyManager;

/**
 * The operator's HTTP servers (health, metrics, admission webhook) on one small Vert.x instance.
 *
 * <p>Idle sockets cost no thread: two event loops read every connection. Every connection has
 * deadlines, so hostile or broken clients cannot hold the ports:
 *
 * <ul>
 *   <li>a TLS handshake must finish within {@link Limits#handshake()};
 *   <li>a connection must deliver a complete request (headers and body) within {@link
 *       Limits#request()} of opening, and each later request within idle plus request time of the
 *       previous response, else it is closed (a client sending a byte a second is cut off; Vert.x's
 *       idle timeout alone would not, each byte resets it);
 *   <li>a connection with no traffic for {@link Limits#idle()} is closed.
 * </ul>
 *
 * <p>HTTP/1.1 only, TCP_NODELAY on (small responses leave at once). Work that is not trivially
 * cheap runs on a small pool with a bounded queue ({@link #pool}), never on an event loop.
 */
public final class HttpServing implements AutoCloseable {
  /**
   * Deadlines of every connection.
   *
   * @param idle close a connection without traffic for this long
   * @param request time from a connection's start (or its previous response) to a complete request
   * @param handshake time for the TLS handshake
   */
  public record Limits(Duration idle, Duration request, Duration handshake) {
    public static final Limits DEFAULT = new Limits(Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(10));
  }

  private final Vertx vertx;
  private final Limits limits;
  private final List<ThreadPoolExecutor> pools = new CopyOnWriteArrayList<>();

  private HttpServing(Vertx vertx, Limits limits) {
    this.vertx = vertx;
    this.limits = limits;
  }

  /** Two event loops; Vert.x's own worker pools are small because the operator does not use them. */
  public static HttpServing create(Limits limits) {
    VertxOptions options = new VertxOptions()
        .setEventLoopPoolSize(2)
        .setWorkerPoolSize(1)
        .setInternalBlockingPoolSize(1)
        .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false).setClassPathResolvingEnabled(false));
    return new HttpServing(Vertx.vertx(options), limits);
  }

  public Limits limits() {
    return limits;
  }

  /**
   * Binds all interfaces on {@code port} (0 picks a free port), over TLS when {@code keys} is
   * given (asked for its certificate at every handshake, so a replaced certificate is served at
   * once), and returns once listening.
   */
  public HttpServer listen(int port, X509KeyManager keys, Handler<HttpServerRequest> handler) throws IOException {
    HttpServerOptions options = new HttpServerOptions()
        .setPort(port)
        .setHost("0.0.0.0")
        .setTcpNoDelay(true)
        .setIdleTimeout((int) limits.idle().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setAlpnVersions(List.of(HttpVersion.HTTP_1_1))
        .setHttp2ClearTextEnabled(false)
        .setCompressionSupported(false)
        .setDecompressionSupported(false);
    if (keys != null) {
      options.setSsl(true)
          .setKeyCertOptions(KeyCertOptions.wrap(keys))
          .setSslHandshakeTimeout(limits.handshake().toMillis())
          .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    Map<HttpConnection, Long> deadlines = new ConcurrentHashMap<>();
    long requestMillis = Math.max(1, limits.request().toMillis());
    long laterMillis = Math.max(1, limits.idle().plus(limits.request()).toMillis());
    HttpServer server = vertx.createHttpServer(options);
    server.connectionHandler(conn -> {
      arm(deadlines, conn, requestMillis);
      conn.closeHandler(v -> disarm(deadlines, conn));
    });
    server.requestHandler(req -> {
      HttpConnection conn = req.connection();
      // Request received: no deadline while the operator answers. Both received and answered: the
      // next request on this connection has its own deadline.
      req.end().onComplete(done -> {
        if (req.response().ended()) {
          arm(deadlines, conn, laterMillis);
        } else {
          disarm(deadlines, conn);
        }
      });
      req.response().endHandler(v -> {
        if (req.isEnded()) {
          arm(deadlines, conn, laterMillis);
        }
      });
      handler.handle(req);
    });
    try {
      return server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof java.net.BindException) {
        throw new PortInUse(port, e.getCause());
      }
      throw new IOException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("binding port " + port + " took too long", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** The port could not be bound: another process (or another of the operator's ports) holds it. */
  public static final class PortInUse extends java.net.BindException {
    public final int port;

    PortInUse(int port, Throwable cause) {
      super("port " + port + ": " + cause.getMessage());
      this.port = port;
      initCause(cause);
    }
  }

  private void arm(Map<HttpConnection, Long> deadlines, HttpConnection conn, long millis) {
    long timer = vertx.setTimer(millis, id -> {
      if (deadlines.remove(conn, id)) {
        conn.close();
      }
    });
    Long previous = deadlines.put(conn, timer);
    if (previous != null) {
      vertx.cancelTimer(previous);
    }
  }

  private void disarm(Map<HttpConnection, Long> deadlines, HttpConnection conn) {
    Long timer = deadlines.remove(conn);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }

  /** A pool of {@code threads} daemon threads that queues at most {@code queue} tasks; closed with this. */
  public ThreadPoolExecutor pool(String name, int threads, int queue) {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    }, new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
    pools.add(pool);
    return pool;
  }

  /**
   * Runs {@code work} on {@code pool} and hands its result (or failure) to {@code then} on the
   * caller's event loop; when the pool's queue is full, {@code then} gets a {@link
   * RejectedExecutionException} at once.
   */
  public static <T> void offload(ThreadPoolExecutor pool, Callable<T> work, BiConsumer<T, Throwable> then) {
    Context ctx = Vertx.currentContext();
    try {
      pool.execute(() -> {
        T result;
        try {
          result = work.call();
        } catch (Throwable e) {
          ctx.runOnContext(v -> then.accept(null, e));
          return;
        }
        ctx.runOnContext(v -> then.accept(result, null));
      });
    } catch (RejectedExecutionException e) {
      then.accept(null, e);
    }
  }

  /** Stops every server and pool of this instance. */
  @Override
  public void close() {
    pools.forEach(ThreadPoolExecutor::shutdownNow);
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // closing anyway
    }
  }
}
