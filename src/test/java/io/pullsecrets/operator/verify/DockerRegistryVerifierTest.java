package io.pullsecrets.operator.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pullsecrets.operator.provider.RegistryLogin;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe against the real distribution registry ({@code docker-registry}) with htpasswd
 * (Basic) auth. Skipped when the binaries are missing, unless PULLSECRET_REQUIRE_REAL_REGISTRY=true.
 */
class DockerRegistryVerifierTest {
  static Process registry;
  static String host;

  @TempDir
  static Path dir;

  static boolean onPath(String bin) {
    for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(p, bin))) {
        return true;
      }
    }
    return false;
  }

  @BeforeAll
  static void start() throws Exception {
    boolean present = onPath("docker-registry") && onPath("htpasswd");
    if (!present && "true".equals(System.getenv("PULLSECRET_REQUIRE_REAL_REGISTRY"))) {
      throw new IllegalStateException("docker-registry and htpasswd are required");
    }
    assumeTrue(present, "docker-registry or htpasswd not installed");
    Process h = new ProcessBuilder("htpasswd", "-Bbn", "robot", "s3cret-pass").redirectErrorStream(false).start();
    String line = new String(h.getInputStream().readAllBytes()).trim();
    assertThat(h.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Files.writeString(dir.resolve("htpasswd"), line + "\n");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    host = "127.0.0.1:" + port;
    Files.writeString(dir.resolve("config.yml"), String.join("\n",
        "version: 0.1",
        "log:",
        "  level: error",
        "storage:",
        "  filesystem:",
        "    rootdirectory: " + dir.resolve("data"),
        "http:",
        "  addr: " + host,
        "auth:",
        "  htpasswd:",
        "    realm: test",
        "    path: " + dir.resolve("htpasswd"),
        ""));
    registry = new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
    HttpClient http = HttpClient.newHttpClient();
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 401);
  }

  @AfterAll
  static void stop() throws Exception {
    if (registry != null) {
      registry.destroy();
      registry.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void acceptsTheRightPasswordAndRejectsAWrongOne() {
    RegistryVerifier verifier = new RegistryVerifier(java.util.Set.of(host));
    RegistryVerifier.Result ok = verifier.verify(host, new RegistryLogin(host, "robot", "s3cret-pass"));
    assertThat(ok.ok()).as(ok.message()).isTrue();
    assertThat(ok.httpStatus()).isEqualTo(200);

    RegistryVerifier.Result bad = verifier.verify(host, new RegistryLogin(host, "robot", "wrong-pass"));
    assertThat(bad.ok()).isFalse();
    assertThat(bad.httpStatus()).isEqualTo(401);
    assertThat(bad.message()).doesNotContain("wrong-pass");
  }
}
