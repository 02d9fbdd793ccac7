package io.pullsecrets.operator.provider.cloud;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * A local HTTP(S) stub of a cloud endpoint: records every request and answers with a handler. A
 * handler that throws (a failed assertion about what the service would check) answers HTTP 599
 * and is recorded: {@link #verify()} and {@link #close()} rethrow it, so the stub's own failure
 * fails the test even when the test expected the provider to fail.
 */
public final class StubServer implements AutoCloseable {

  /** A request as the stub saw it. Header names are lower case. */
  public record Request(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
    public String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The body as an application/x-www-form-urlencoded form. */
    public Map<String, String> form() {
      return parseForm(bodyText());
    }
  }

  /** An answer of the stub. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public static Response json(int status, String json) {
      return new Response(status, Map.of("Content-Type", "application/json"), json.getBytes(StandardCharsets.UTF_8));
    }

    public static Response of(int status, String contentType, String body) {
      return new Response(status, Map.of("Content-Type", contentType), body.getBytes(StandardCharsets.UTF_8));
    }

    public Response withHeader(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Response(status, h, body);
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile Function<Request, Response> handler = r -> Response.json(404, "{}");
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();

  private StubServer(HttpServer server) {
    this.server = server;
    server.createContext("/", exchange -> {
      try (exchange) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        Headers h = exchange.getRequestHeaders();
        h.forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
          body = in.readAllBytes();
        }
        URI uri = exchange.getRequestURI();
        Request req = new Request(exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(),
            Collections.unmodifiableMap(headers), body);
        requests.add(req);
        Response resp;
        try {
          resp = handler.apply(req);
        } catch (AssertionError | RuntimeException e) {
          failures.add(e);
          resp = Response.of(599, "text/plain", "stub rejected the request: " + e.getMessage());
        }
        resp.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        if (resp.body().length == 0) {
          exchange.sendResponseHeaders(resp.status(), -1);
        } else {
          exchange.sendResponseHeaders(resp.status(), resp.body().length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(resp.body());
          }
        }
      }
    });
    server.start();
  }

  public static StubServer http() throws IOException {
    return new StubServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
  }

  public static StubServer https(SSLContext context) throws IOException {
    return https(context, InetAddress.getLoopbackAddress());
  }

  /** An HTTPS stub listening on {@code address} (a test that needs a host that is not loopback). */
  public static StubServer https(SSLContext context, InetAddress address) throws IOException {
    HttpsServer s = HttpsServer.create(new InetSocketAddress(address, 0), 0);
    s.setHttpsConfigurator(new HttpsConfigurator(context));
    return new StubServer(s);
  }

  public StubServer handler(Function<Request, Response> handler) {
    this.handler = handler;
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code 127.0.0.1:<port>}. */
  public String hostPort() {
    return "127.0.0.1:" + port();
  }

  public String url() {
    return (server instanceof HttpsServer ? "https://" : "http://") + hostPort();
  }

  public List<Request> requests() {
    return new ArrayList<>(requests);
  }

  /** Throws the first failure of a handler since the last call (the others suppressed), then forgets them. */
  public void verify() {
    if (failures.isEmpty()) {
      return;
    }
    List<Throwable> seen = new ArrayList<>(failures);
    failures.removeAll(seen);
    AssertionError e = new AssertionError("the stub at " + url() + " rejected a request (answered 599): "
        + seen.get(0).getMessage(), seen.get(0));
    seen.subList(1, seen.size()).forEach(e::addSuppressed);
    throw e;
  }

  /** Stops the stub, then {@link #verify() verifies} it. */
  @Override
  public void close() {
    server.stop(0);
    verify();
  }

  public static Map<String, String> parseForm(String body) {
    Map<String, String> form = new LinkedHashMap<>();
    if (body == null || body.isEmpty()) {
      return form;
    }
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      form.put(k, v);
    }
    return form;
  }
}
