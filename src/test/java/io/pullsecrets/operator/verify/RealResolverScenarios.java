package io.pullsecrets.operator.verify;

import com.sun.net.httpserver.HttpServer;
import io.pullsecrets.operator.provider.RegistryLogin;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child side of {@link RegistryVerifierRealResolverTest}: runs in a {@link ResolverSandbox},
 * probes with the production {@link RegistryVerifier} (its resolver is
 * {@code InetAddress.getAllByName}) and prints one tab-separated line per fact for the test to
 * read: {@code result NAME OK STATUS REASON MESSAGE}, {@code connections N}, {@code requests N},
 * {@code address CLASS ADDRESS}.
 */
public final class RealResolverScenarios {
  static final String USER = "robot";
  static final String PASSWORD = "sandbox-password-do-not-leak";

  private RealResolverScenarios() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "resolve" -> {
        for (InetAddress a : InetAddress.getAllByName(args[1])) {
          System.out.println("address\t" + a.getClass().getSimpleName() + "\t" + a.getHostAddress());
        }
      }
      case "registries" -> registries(args);
      case "realm" -> realm(args[1]);
      case "cleartext" -> cleartext();
      case "rebind" -> rebind(args[1]);
      default -> throw new IllegalArgumentException(args[0]);
    }
    System.out.flush();
    System.exit(0);
  }

  /** Each host in {@code args[1..]} as an https registry on the port of a listener on 127.0.0.1. */
  static void registries(String[] args) throws Exception {
    try (Listener loopback = new Listener()) {
      RegistryVerifier verifier = new RegistryVerifier(Set.of());
      for (int i = 1; i < args.length; i++) {
        String registry = args[i] + ":" + loopback.port();
        print(args[i], verifier.verify(registry, new RegistryLogin(registry, USER, PASSWORD)));
      }
      System.out.println("connections\t" + loopback.accepted.get());
    }
  }

  /**
   * A registry on {@link ResolverSandbox#ADDRESS} (allow-listed) whose Bearer realm is
   * {@code https://<realmHost>:<port of a listener on 127.0.0.1>/token}.
   */
  static void realm(String realmHost) throws Exception {
    try (Listener loopback = new Listener()) {
      HttpServer registry = server(401, "Bearer realm=\"https://" + realmHost + ":" + loopback.port() + "/token\",service=\"x\"", null);
      try {
        RegistryVerifier verifier = new RegistryVerifier(Set.of(ResolverSandbox.ADDRESS));
        String host = "http://" + ResolverSandbox.ADDRESS + ":" + registry.getAddress().getPort();
        print(realmHost, verifier.verify(host, new RegistryLogin(host, USER, PASSWORD)));
        System.out.println("connections\t" + loopback.accepted.get());
      } finally {
        registry.stop(0);
      }
    }
  }

  /**
   * {@code plain.test} resolves to {@link ResolverSandbox#ADDRESS}, where an http registry
   * answers every request with 200: as a registry and as a Bearer realm, it is not probed unless
   * it is on the allow-list.
   */
  static void cleartext() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    HttpServer plain = server(200, null, requests);
    HttpServer registry = null;
    try {
      String plainHost = "plain.test:" + plain.getAddress().getPort();
      print("registry", new RegistryVerifier(Set.of()).verify("http://" + plainHost, new RegistryLogin("http://" + plainHost, USER, PASSWORD)));

      registry = server(401, "Bearer realm=\"http://" + plainHost + "/token\",service=\"x\"", null);
      String registryHost = ResolverSandbox.ADDRESS + ":" + registry.getAddress().getPort();
      print("realm", new RegistryVerifier(Set.of(registryHost)).verify("http://" + registryHost,
          new RegistryLogin("http://" + registryHost, USER, PASSWORD)));
      System.out.println("requests\t" + requests.get());

      print("allowed", new RegistryVerifier(Set.of(plainHost)).verify("http://" + plainHost, new RegistryLogin("http://" + plainHost, USER, PASSWORD)));
      System.out.println("requests\t" + requests.get());
    } finally {
      plain.stop(0);
      if (registry != null) {
        registry.stop(0);
      }
    }
  }

  /**
   * DNS rebinding: {@code rebind.test} resolves to {@link ResolverSandbox#ADDRESS}, where an https
   * registry (key store {@code keyStore}, password {@code changeit}) answers the anonymous
   * {@code GET /v2/} with a Basic challenge and {@code Connection: close}, after pointing
   * {@code rebind.test} at 127.0.0.1 in /etc/hosts. The same registry listens on 127.0.0.1 at
   * the same port and counts what reaches it there. Run with {@code -Dsun.net.inetaddr.ttl=0},
   * as if the JVM's address cache expired between the requests, and the key store's certificate
   * in the JVM's trust store.
   */
  static void rebind(String keyStore) throws Exception {
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(keyStore))) {
      ks.load(in, "changeit".toCharArray());
    }
    javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    java.nio.file.Path hosts = java.nio.file.Path.of("/etc/hosts");
    AtomicInteger checked = new AtomicInteger();
    AtomicInteger loopback = new AtomicInteger();
    com.sun.net.httpserver.HttpsServer registry = https(tls, new InetSocketAddress(InetAddress.getByName(ResolverSandbox.ADDRESS), 0), exchange -> {
      if (exchange.getRequestHeaders().getFirst("Authorization") == null) {
        // Written in place: /etc/hosts is a bind mount of this very file.
        java.nio.file.Files.writeString(hosts, java.nio.file.Files.readString(hosts).replace(ResolverSandbox.ADDRESS + " rebind.test", "127.0.0.1 rebind.test"));
        exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"r\"");
        exchange.getResponseHeaders().add("Connection", "close");
        exchange.sendResponseHeaders(401, -1);
      } else {
        checked.incrementAndGet();
        exchange.sendResponseHeaders(200, -1);
      }
    });
    int port = registry.getAddress().getPort();
    com.sun.net.httpserver.HttpsServer other = https(tls, new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), exchange -> {
      loopback.incrementAndGet();
      exchange.sendResponseHeaders(200, -1);
    });
    try {
      String host = "rebind.test:" + port;
      print("rebind.test", new RegistryVerifier(Set.of()).verify(host, new RegistryLogin(host, USER, PASSWORD)));
      System.out.println("requests\t" + loopback.get());
      System.out.println("connections\t" + checked.get());
      System.out.println("hosts\t" + java.nio.file.Files.readString(hosts).contains("127.0.0.1 rebind.test"));
    } finally {
      registry.stop(0);
      other.stop(0);
    }
  }

  static com.sun.net.httpserver.HttpsServer https(javax.net.ssl.SSLContext tls, InetSocketAddress address,
      com.sun.net.httpserver.HttpHandler handler) throws IOException {
    com.sun.net.httpserver.HttpsServer s = com.sun.net.httpserver.HttpsServer.create(address, 0);
    s.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
    s.createContext("/", exchange -> {
      try (exchange) {
        handler.handle(exchange);
      }
    });
    s.start();
    return s;
  }

  static void print(String name, RegistryVerifier.Result r) {
    System.out.println(String.join("\t", "result", name, String.valueOf(r.ok()), String.valueOf(r.httpStatus()),
        String.valueOf(r.reason()), r.message()));
  }

  /** An http server on {@link ResolverSandbox#ADDRESS} answering {@code status} (with a challenge) to everything. */
  static HttpServer server(int status, String challenge, AtomicInteger requests) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName(ResolverSandbox.ADDRESS), 0), 0);
    s.createContext("/", exchange -> {
      try (exchange) {
        if (requests != null) {
          requests.incrementAndGet();
        }
        if (challenge != null) {
          exchange.getResponseHeaders().add("WWW-Authenticate", challenge);
        }
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
      }
    });
    s.start();
    return s;
  }

  /** Counts the TCP connections made to a port on 127.0.0.1, closing each at once. */
  static final class Listener implements AutoCloseable {
    final ServerSocket socket;
    final AtomicInteger accepted = new AtomicInteger();

    Listener() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
      Thread t = new Thread(() -> {
        while (!socket.isClosed()) {
          try (Socket s = socket.accept()) {
            accepted.incrementAndGet();
          } catch (IOException e) {
            return;
          }
        }
      }, "loopback-listener");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
