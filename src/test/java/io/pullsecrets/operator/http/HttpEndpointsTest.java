package io.pullsecrets.operator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.testing.Closer;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The plain HTTP port's answers, as bytes on the wire. */
class HttpEndpointsTest {
  @RegisterExtension final Closer closer = new Closer();
  HttpEndpoints http;

  String ask(String request) throws Exception {
    return HostileClientsTest.exchange(new Socket(), http.port(), request + "Host: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(10));
  }

  @Test
  void getHeadAndOtherMethods() throws Exception {
    http = closer.add(HttpEndpoints.start(0, () -> "up 1\n", Optional::empty, () -> Optional.of("not ready: informer caches are not synced yet")));
    assertThat(ask("GET /healthz HTTP/1.1\r\n")).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("content-length: 3").endsWith("\r\n\r\nok\n");
    assertThat(ask("HEAD /healthz HTTP/1.1\r\n")).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("content-length: 3").endsWith("\r\n\r\n");
    assertThat(ask("GET /readyz HTTP/1.1\r\n")).startsWith("HTTP/1.1 503").endsWith("not ready: informer caches are not synced yet\n");
    assertThat(ask("GET /metrics HTTP/1.1\r\n")).startsWith("HTTP/1.1 200").contains("text/plain; version=0.0.4").endsWith("up 1\n");
    assertThat(ask("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n")).startsWith("HTTP/1.1 405").containsIgnoringCase("allow: GET, HEAD");
    assertThat(ask("GET /nope HTTP/1.1\r\n")).startsWith("HTTP/1.1 404");
  }

  @Test
  void withSecureMetricsThePlainPortSaysWhereMetricsAre() throws Exception {
    HttpServing serving = closer.add(HttpServing.create(HttpServing.Limits.DEFAULT));
    http = closer.add(HttpEndpoints.start(serving, 0, null, "/metrics is served over HTTPS on port 8443", Optional::empty, Optional::empty));
    assertThat(ask("GET /metrics HTTP/1.1\r\n")).startsWith("HTTP/1.1 404").endsWith("HTTPS on port 8443\n");
    assertThat(ask("GET /healthz HTTP/1.1\r\n")).startsWith("HTTP/1.1 200");
  }
}
