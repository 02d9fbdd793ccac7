package io.pullsecrets.operator.startup;

import static io.pullsecrets.operator.startup.StartupOutput.assertFailsWithOneLine;
import static io.pullsecrets.operator.startup.StartupOutput.kubeconfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.OperatorProcess;
import io.pullsecrets.operator.testing.SecretScan;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each way the operator fails to start, run as a user runs it (the main class in a child JVM):
 * exit code != 0 and one ERROR line saying what is wrong and what to do, without a stack trace.
 * 401 and 403 are in {@code realserver.StartupAuthFailuresTest}.
 */
class StartupFailuresTest {
  static final String TOKEN = "startup-test-bearer-token-4f1c";
  @RegisterExtension final Closer closer = new Closer();
  private HttpServer stub;

  @BeforeAll
  static void register() {
    SecretScan.register(TOKEN);
  }

  /** The environment of a machine with no cluster: no in-cluster variables, an empty home. */
  private static Map<String, String> env(String kubeconfig) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("KUBECONFIG", kubeconfig);
    env.put("HOME", Files.createTempDirectory(Path.of("target"), "home").toAbsolutePath().toString());
    env.put("KUBERNETES_SERVICE_HOST", null);
    env.put("KUBERNETES_SERVICE_PORT", null);
    env.put("KUBERNETES_MASTER", null);
    return env;
  }

  @Test
  void noKubeconfigSaysWhereItLooked() throws Exception {
    String missing = Path.of("target", "no-such-kubeconfig").toAbsolutePath().toString();
    try (OperatorProcess op = OperatorProcess.start(env(missing), "--http-port=0")) {
      assertFailsWithOneLine(op, "no Kubernetes configuration found", "$KUBECONFIG=" + missing,
          "~/.kube/config", "in-cluster service account", "set KUBECONFIG");
    }
  }

  @Test
  void noKubeconfigAndNoKUBECONFIGNamesTheHomeFile() throws Exception {
    Map<String, String> env = env(null);
    try (OperatorProcess op = OperatorProcess.start(env, "--http-port=0")) {
      assertFailsWithOneLine(op, "no Kubernetes configuration found",
          "~/.kube/config (" + Path.of(env.get("HOME"), ".kube", "config") + ": no such file)", "in-cluster service account");
    }
  }

  @Test
  void malformedKubeconfigNamesTheFileAndNotItsContent() throws Exception {
    Path file = Files.createTempFile(Path.of("target"), "malformed", ".yaml");
    Files.writeString(file, """
        apiVersion: v1
        clusters:
        - cluster: {server: "https://127.0.0.1:6443"
          users: [{name: u, user: {token: %s}}]
        """.formatted(TOKEN));
    try (OperatorProcess op = OperatorProcess.start(env(file.toAbsolutePath().toString()), "--http-port=0")) {
      String line = assertFailsWithOneLine(op, "kubeconfig " + file.toAbsolutePath() + " is malformed", "not valid YAML", "line 4");
      assertThat(line).doesNotContain(TOKEN);
    }
  }

  @Test
  void unreachableApiServerNamesTheUrl() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Path kc = kubeconfig("https://127.0.0.1:" + closed, null, TOKEN);
    try (OperatorProcess op = OperatorProcess.start(env(kc.toString()), "--http-port=0")) {
      assertFailsWithOneLine(op, "cannot reach the API server https://127.0.0.1:" + closed, "connection refused", "test-context");
      assertThat(op.logText()).contains("starting: server=https://127.0.0.1:" + closed + " context=test-context");
    }
  }

  @Test
  void missingCrdSaysKubectlApply() throws Exception {
    String url = stub(false);
    try (OperatorProcess op = OperatorProcess.start(env(kubeconfig(url, null, TOKEN).toString()), "--http-port=0")) {
      assertFailsWithOneLine(op, "does not serve registrycredentials.pullsecrets.io", "kubectl apply -f crds/", url);
    }
  }

  /** A chart upgrade installs no new CRD (Helm installs crds/ only once): the operator says which one is missing. */
  @Test
  void missingClusterCrdSaysKubectlApply() throws Exception {
    String url = stub(true, false);
    try (OperatorProcess op = OperatorProcess.start(env(kubeconfig(url, null, TOKEN).toString()), "--http-port=0")) {
      assertFailsWithOneLine(op, "does not serve clusterregistrycredentials.pullsecrets.io", "kubectl apply -f crds/", url);
    }
  }

  @Test
  void portInUseNamesTheFlag() throws Exception {
    String url = stub(true);
    try (ServerSocket taken = new ServerSocket(0);
        OperatorProcess op = OperatorProcess.start(env(kubeconfig(url, null, TOKEN).toString()),
            "--http-port=" + taken.getLocalPort())) {
      assertFailsWithOneLine(op, "port " + taken.getLocalPort() + " is already in use", "--http-port");
    }
  }

  @Test
  void versionPrintsTheProjectVersionAndExitsZero() throws Exception {
    try (OperatorProcess op = OperatorProcess.start(env(null), "--version")) {
      assertThat(op.exitCode(Duration.ofSeconds(60))).as(op.logText()).isZero();
      assertThat(op.logText().strip()).matches("pullsecret-operator \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    }
    try (OperatorProcess op = OperatorProcess.start(env(null), "--help")) {
      assertThat(op.exitCode(Duration.ofSeconds(60))).isZero();
      assertThat(op.logText()).contains("--version");
    }
  }

  @Test
  void theTroubleshootingPageListsTheStartupLines() throws Exception {
    String readme = Files.readString(Path.of("docs/troubleshooting.md"));
    String section = readme.substring(readme.indexOf("## When it does not start"));
    section = section.substring(0, section.indexOf("\n## ", 1));
    assertThat(section).contains("no Kubernetes configuration found", "is malformed", "cannot reach the API server",
        "kubectl apply -f crds/", "rejected the credentials of kubeconfig user", "401", "403", "forbids",
        "is already in use", "--http-port", "--webhook-port", "--log-level=debug", "exit code 2", "exit\ncode 1");
    assertThat(readme).contains("`--version`");
  }

  /**
   * A plain-HTTP API server stub: lists of registrycredentials answer 200 and empty when {@code
   * withCrd}, everything else 404 as a server without the CRD answers.
   */
  private String stub(boolean withCrd) throws IOException {
    return stub(withCrd, withCrd);
  }

  /** {@link #stub(boolean)}, the ClusterRegistryCredential CRD served or not on its own. */
  private String stub(boolean withCrd, boolean withClusterCrd) throws IOException {
    stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    stub.createContext("/", ex -> {
      String path = ex.getRequestURI().getPath();
      int code;
      String body;
      if (withCrd && path.endsWith("/registrycredentials") && !path.endsWith("/clusterregistrycredentials")) {
        code = 200;
        body = "{\"apiVersion\":\"pullsecrets.io/v1alpha1\",\"kind\":\"RegistryCredentialList\",\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[]}";
      } else if (withClusterCrd && path.endsWith("/clusterregistrycredentials")) {
        code = 200;
        body = "{\"apiVersion\":\"pullsecrets.io/v1alpha1\",\"kind\":\"ClusterRegistryCredentialList\",\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[]}";
      } else {
        code = 404;
        body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            + "\"message\":\"the server could not find the requested resource\",\"reason\":\"NotFound\",\"code\":404}";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(code, bytes.length);
      ex.getResponseBody().write(bytes);
      ex.close();
    });
    stub.start();
    closer.add(() -> stub.stop(0));
    return "http://127.0.0.1:" + stub.getAddress().getPort();
  }
}
