package io.pullsecrets.operator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.cluster.ClusterView;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.webhook.CertificateSource;
import io.pullsecrets.operator.webhook.PodInjection;
import io.pullsecrets.operator.webhook.PodWebhook;
import io.pullsecrets.operator.webhook.ServingCertificate;
import io.pullsecrets.operator.webhook.TlsMaterial;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real sockets against the health port and the webhook port: 200 connections that are idle or
 * send a request slowly do not stop /healthz, /readyz or an AdmissionReview from answering within
 * a second, and a client that sends a byte at a time is disconnected after a bounded time.
 */
class HostileClientsTest {
  static final int CONNECTIONS = 200;
  static final Duration ANSWER_WITHIN = Duration.ofSeconds(1);
  /** Short deadlines so that a slow client is cut off within seconds. */
  static final HttpServing.Limits SHORT = new HttpServing.Limits(Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(1));

  final TlsMaterial material = TlsMaterial.generate(List.of("pullsecret-operator-webhook.ops.svc"), Instant.now(), Duration.ofDays(1), null);

  @RegisterExtension final Closer closer = new Closer();
  HttpEndpoints.Check ok = Optional::empty;

  int startHealth(HttpServing.Limits limits) throws IOException {
    HttpServing serving = HttpServing.create(limits);
    closer.add(serving);
    HttpEndpoints http = HttpEndpoints.start(serving, 0, () -> "up 1\n", "", ok, ok);
    closer.add(http);
    return http.port();
  }

  int startWebhook(HttpServing.Limits limits) throws IOException {
    HttpServing serving = HttpServing.create(limits);
    closer.add(serving);
    CertificateSource source = new CertificateSource() {
      @Override
      public TlsMaterial refresh() {
        return material;
      }

      @Override
      public String describe() {
        return "test";
      }
    };
    ServingCertificate certificate = ServingCertificate.start("webhook", source, Duration.ofHours(1));
    closer.add(certificate);
    ClusterView cache = ClusterView.EMPTY;
    OperatorConfig config = new OperatorConfig("ops", Set.of("ops"), Set.of(), 0, false, "info", "text");
    PodWebhook webhook = PodWebhook.start(serving, 0, certificate, new PodInjection(config, Fixtures.providerOfEveryKind()), cache, () -> true, PodWebhook.Listener.NONE);
    closer.add(webhook);
    return webhook.port();
  }

  /** Half the connections send nothing, half send the start of a request (or of a TLS handshake) and stop. */
  void hold(int port, byte[] partial) throws IOException {
    for (int i = 0; i < CONNECTIONS; i++) {
      Socket s = new Socket();
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      closer.add(s);
      if (i % 2 == 1) {
        s.getOutputStream().write(partial);
        s.getOutputStream().flush();
      }
    }
  }

  @Test
  void healthAnswersWithinASecondWhile200ConnectionsAreIdleOrSlow() throws Exception {
    int port = startHealth(HttpServing.Limits.DEFAULT);
    exchange(new Socket(), port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(30)); // warm up
    hold(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
    for (String path : List.of("/healthz", "/readyz", "/healthz")) {
      long start = System.nanoTime();
      String answer = exchange(new Socket(), port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", ANSWER_WITHIN);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      System.out.printf("%s with %d idle or slow connections open: %d ms%n", path, CONNECTIONS, took.toMillis());
      assertThat(answer).as(path).startsWith("HTTP/1.1 200").endsWith("ok\n");
      assertThat(took).as(path).isLessThan(ANSWER_WITHIN);
    }
  }

  @Test
  void anAdmissionReviewIsAnsweredWithinASecondWhile200ConnectionsAreIdleOrSlow() throws Exception {
    int port = startWebhook(HttpServing.Limits.DEFAULT);
    String review = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u1\","
        + "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},\"namespace\":\"team-a\",\"operation\":\"CREATE\","
        + "\"object\":{\"spec\":{\"containers\":[]}}}}";
    String post = "POST " + PodWebhook.PATH + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + review.length() + "\r\nConnection: close\r\n\r\n" + review;
    SSLSocketFactory client = tls();
    // warm up (the first TLS handshakes of a JVM load and compile much, on both ends): not what is measured
    for (int i = 0; i < 3; i++) {
      exchange(client.createSocket(), port, post, Duration.ofSeconds(30));
    }
    // the first bytes of a TLS record (a handshake, TLS 1.0 record version), then nothing
    hold(port, new byte[] {0x16, 0x03, 0x01});
    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      String answer = exchange(client.createSocket(), port, post, ANSWER_WITHIN);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      System.out.printf("AdmissionReview with %d idle or slow connections open: %d ms%n", CONNECTIONS, took.toMillis());
      assertThat(answer).startsWith("HTTP/1.1 200").contains("\"uid\":\"u1\"").contains("\"allowed\":true");
      assertThat(took).isLessThan(ANSWER_WITHIN);
    }
  }

  @Test
  void aClientSendingAByteAtATimeIsDisconnectedFromTheHealthPort() throws Exception {
    int port = startHealth(SHORT);
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    closer.add(s);
    Duration kept = dripUntilDisconnected(s, Duration.ofSeconds(10));
    System.out.printf("health port: a byte-a-100-ms client was disconnected after %d ms (request deadline 1 s)%n", kept.toMillis());
    assertThat(kept).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void aClientSendingAByteAtATimeIsDisconnectedFromTheWebhookPort() throws Exception {
    int port = startWebhook(SHORT);
    SSLSocket s = (SSLSocket) tls().createSocket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    closer.add(s);
    s.startHandshake();
    Duration kept = dripUntilDisconnected(s, Duration.ofSeconds(10));
    System.out.printf("webhook port: a byte-a-100-ms client was disconnected after %d ms (request deadline 1 s)%n", kept.toMillis());
    assertThat(kept).isLessThan(Duration.ofSeconds(4));
  }

  /**
   * Sends an endless request header one byte per 100 ms (paced by a read that waits for the server
   * to close) and returns how long the server kept the connection; gives up after {@code atMost}.
   */
  static Duration dripUntilDisconnected(Socket s, Duration atMost) throws IOException {
    byte[] request = ("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(10_000)).getBytes(StandardCharsets.US_ASCII);
    long start = System.nanoTime();
    s.setSoTimeout(100);
    OutputStream out = s.getOutputStream();
    InputStream in = s.getInputStream();
    for (int i = 0; Duration.ofNanos(System.nanoTime() - start).compareTo(atMost) < 0; i++) {
      try {
        out.write(request[i % request.length]);
        out.flush();
      } catch (IOException e) {
        return Duration.ofNanos(System.nanoTime() - start); // reset by the server
      }
      try {
        if (in.read() < 0) {
          return Duration.ofNanos(System.nanoTime() - start);
        }
      } catch (SocketTimeoutException e) {
        // still open: next byte
      } catch (IOException e) {
        return Duration.ofNanos(System.nanoTime() - start);
      }
    }
    return atMost;
  }

  /** A client that trusts the test CA. */
  SSLSocketFactory tls() throws Exception {
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    int i = 0;
    for (X509Certificate c : TlsMaterial.certificates(material.bundlePem())) {
      ts.setCertificateEntry("ca" + i++, c);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx.getSocketFactory();
  }

  /** Sends {@code request} and reads the whole answer (the server closes after it), within {@code timeout}. */
  static String exchange(Socket s, int port, String request, Duration timeout) throws IOException {
    try (s) {
      s.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
      s.setSoTimeout((int) timeout.toMillis());
      s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return answer;
    }
  }
}
