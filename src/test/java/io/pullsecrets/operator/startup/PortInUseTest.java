package io.pullsecrets.operator.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.pullsecrets.operator.Preflight;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.http.HttpServing;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A port that is already taken is reported with the flag of the server that could not bind it:
 * the webhook's port names --webhook-port, the metrics port --metrics-port, the HTTP port
 * --http-port (each bound for real on a port another socket holds).
 */
class PortInUseTest {
  static String startupLine(int taken, String... flags) throws Exception {
    OperatorConfig config = OperatorConfig.parse(flags, Map.of());
    try (HttpServing serving = HttpServing.create(HttpServing.Limits.DEFAULT)) {
      Throwable failure = catchThrowable(() -> serving.listen(taken, null, req -> req.response().end()));
      assertThat(failure).isInstanceOf(HttpServing.PortInUse.class);
      return Preflight.explain(new RuntimeException("start failed", failure), config);
    }
  }

  /** What startup says, and the port, when {@code flags} name (as "{port}") a port another socket holds. */
  record Refused(int port, String line) {}

  static Refused withPortTaken(String... flags) throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      int port = taken.getLocalPort();
      String[] bound = java.util.Arrays.stream(flags).map(f -> f.replace("{port}", Integer.toString(port))).toArray(String[]::new);
      return new Refused(port, startupLine(port, bound));
    }
  }

  @Test
  void theWebhookPortInUseNamesTheWebhookFlag() throws Exception {
    Refused r = withPortTaken("--namespace=ops", "--http-port=0", "--webhook-enabled=true", "--webhook-port={port}");
    assertThat(r.line()).startsWith("webhook port " + r.port() + " is already in use (")
        .endsWith("; choose another with --webhook-port (PULLSECRET_WEBHOOK_PORT), 0 picks a free one")
        .doesNotContain("--http-port");
  }

  @Test
  void theMetricsPortInUseNamesTheMetricsFlag() throws Exception {
    Refused r = withPortTaken("--namespace=ops", "--http-port=0", "--metrics-secure=true", "--metrics-port={port}");
    assertThat(r.line()).startsWith("metrics port " + r.port() + " is already in use (")
        .contains("--metrics-port (PULLSECRET_METRICS_PORT)").doesNotContain("--http-port");
  }

  @Test
  void theHttpPortInUseNamesTheHttpFlag() throws Exception {
    Refused r = withPortTaken("--namespace=ops", "--http-port={port}", "--webhook-enabled=true", "--webhook-port=0");
    assertThat(r.line()).startsWith("port " + r.port() + " is already in use (")
        .contains("--http-port (PULLSECRET_HTTP_PORT)");
  }
}
