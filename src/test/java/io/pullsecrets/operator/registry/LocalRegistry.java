package io.pullsecrets.operator.registry;

import static org.awaitility.Awaitility.await;

import io.pullsecrets.operator.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assertions;

/**
 * Debian's {@code docker-registry} (a real OCI registry) on a free loopback port with htpasswd
 * auth, and {@code skopeo} as the client. Tests using it are skipped where the binaries are
 * absent, unless PULLSECRET_REQUIRE_REAL_REGISTRY=true (as .ci/run sets), which makes them fail.
 */
public final class LocalRegistry implements AutoCloseable {
  public static final String USER = "robot";

  private final Path dir;
  private final int port;
  private final Process process;

  /** The outcome of a skopeo call. */
  public record Result(int exitCode, String output) {
    public boolean ok() {
      return exitCode == 0;
    }
  }

  public static void assumeAvailable() {
    List<String> missing = new ArrayList<>();
    for (String bin : List.of("docker-registry", "skopeo", "htpasswd")) {
      if (Tools.onPath(bin) == null) {
        missing.add(bin);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    String message = "real-registry test needs " + String.join(", ", missing)
        + " (apt-get install docker-registry skopeo apache2-utils; .ci/run installs them)";
    Tools.unavailable("PULLSECRET_REQUIRE_REAL_REGISTRY", message);
  }

  public LocalRegistry(Path dir, String password) throws Exception {
    this.dir = dir;
    setPassword(password);
    // A port is picked, then bound by the registry: when another process took it in between, the
    // registry exits saying so, and it starts again on another port.
    for (int attempt = 1; ; attempt++) {
      int candidate;
      try (ServerSocket s = new ServerSocket(0)) {
        candidate = s.getLocalPort();
      }
      Process started = start(candidate);
      if (ready(started, candidate)) {
        port = candidate;
        process = started;
        return;
      }
      String log = Files.readString(dir.resolve("registry.log"));
      if (!log.contains("address already in use") || attempt == 5) {
        throw new IllegalStateException("docker-registry did not start on 127.0.0.1:" + candidate + ": " + log);
      }
    }
  }

  private Process start(int port) throws IOException {
    Files.writeString(dir.resolve("config.yml"), String.join("\n",
        "version: 0.1",
        "log:",
        "  level: warn",
        "storage:",
        "  filesystem:",
        "    rootdirectory: " + dir.resolve("data"),
        "http:",
        "  addr: 127.0.0.1:" + port,
        "  secret: pullsecret-test",
        "auth:",
        "  htpasswd:",
        "    realm: pullsecret-test",
        "    path: " + dir.resolve("htpasswd"),
        ""));
    return new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("registry.log").toFile())
        .start();
  }

  /** Whether the registry answers /v2/ (with its challenge); false when it exited first. */
  private static boolean ready(Process registry, int port) {
    HttpClient http = HttpClient.newHttpClient();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() ->
        !registry.isAlive() || http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 401);
    return registry.isAlive();
  }

  /** host:port, as it appears in image references. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  /** Replaces the htpasswd file (the registry re-reads it when it changes). */
  public void setPassword(String password) throws Exception {
    Process p = new ProcessBuilder("htpasswd", "-Bbn", USER, password).redirectErrorStream(true).start();
    String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Assertions.assertEquals(0, p.waitFor(), "htpasswd failed");
    Path tmp = dir.resolve("htpasswd.tmp");
    Files.writeString(tmp, line);
    Files.move(tmp, dir.resolve("htpasswd"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Pushes a one-layer image built here, as {@code repo:tag}, with the given docker config file. */
  public Result push(Path authFile, String repo, String tag) throws Exception {
    Path layout = ociLayout(tag);
    return skopeo("copy", "--dest-tls-verify=false", "--dest-authfile", authFile.toString(),
        "oci:" + layout + ":" + tag, "docker://" + host() + "/" + repo + ":" + tag);
  }

  public Result listTags(Path authFile, String repo) throws Exception {
    return skopeo("list-tags", "--tls-verify=false", "--authfile", authFile.toString(), "docker://" + host() + "/" + repo);
  }

  private Result skopeo(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("skopeo");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    Assertions.assertTrue(p.waitFor(60, TimeUnit.SECONDS), "skopeo timed out");
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private Path ociLayout(String tag) throws IOException {
    Path layout = Files.createTempDirectory(dir, "oci");
    Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
    byte[] tar = new byte[1024]; // an empty tar archive
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(tar);
    }
    byte[] layer = gz.toByteArray();
    String layerDigest = write(blobs, layer);
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
        + sha256(tar) + "\"]}}").getBytes(StandardCharsets.UTF_8);
    String configDigest = write(blobs, config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + configDigest
        + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
        + "\"digest\":\"sha256:" + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
    String manifestDigest = write(blobs, manifest);
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + manifestDigest + "\",\"size\":"
        + manifest.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
    return layout;
  }

  private static String write(Path blobs, byte[] content) throws IOException {
    String digest = sha256(content);
    Files.write(blobs.resolve(digest), content);
    return digest;
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process.destroyForcibly();
  }
}
