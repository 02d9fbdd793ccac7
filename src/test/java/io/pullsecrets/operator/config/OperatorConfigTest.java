package io.pullsecrets.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperatorConfigTest {
  static final Path NO_FILE = Path.of("/nonexistent/namespace");

  @Test
  void defaults() throws Exception {
    OperatorConfig c = OperatorConfig.parse(new String[0], Map.of(), NO_FILE);
    assertThat(c.namespace()).isEqualTo("pullsecret-system");
    assertThat(c.trustedNamespaces()).containsExactly("pullsecret-system");
    assertThat(c.watchNamespaces()).isEmpty();
    assertThat(c.watches("anything")).isTrue();
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.leaderElection()).isFalse();
    assertThat(c.logLevel()).isEqualTo("info");
    assertThat(c.logFormat()).isEqualTo("text");
    assertThat(c.allowedEndpointHosts()).isEmpty();
  }

  @Test
  void inClusterNamespaceFileIsTheDefaultNamespace(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("namespace");
    Files.writeString(file, "ops\n");
    OperatorConfig c = OperatorConfig.parse(new String[0], Map.of(), file);
    assertThat(c.namespace()).isEqualTo("ops");
    assertThat(c.trustedNamespaces()).containsExactly("ops");
  }

  @Test
  void environmentAndFlagsWithFlagsWinning() throws Exception {
    OperatorConfig c = OperatorConfig.parse(
        new String[] {"--trusted-namespaces=platform, ops", "--watch-namespaces", "a,b", "--http-port=9090", "--leader-election=TRUE"},
        Map.of("PULLSECRET_NAMESPACE", "ops", "PULLSECRET_TRUSTED_NAMESPACES", "ignored", "PULLSECRET_LOG_FORMAT", "json"),
        NO_FILE);
    assertThat(c.namespace()).isEqualTo("ops");
    assertThat(c.trustedNamespaces()).isEqualTo(Set.of("platform", "ops"));
    assertThat(c.isTrusted("platform")).isTrue();
    assertThat(c.isTrusted("team-a")).isFalse();
    assertThat(c.watchNamespaces()).isEqualTo(Set.of("a", "b"));
    assertThat(c.watches("c")).isFalse();
    assertThat(c.httpPort()).isEqualTo(9090);
    assertThat(c.leaderElection()).isTrue();
    assertThat(c.logFormat()).isEqualTo("json");
  }

  @Test
  void badInputStopsWithOneLineNamingTheSetting() {
    refuses("--namespce=x", "unknown flag --namespce (see --help)");
    refuses("--http-port=80x", "PULLSECRET_HTTP_PORT (--http-port): '80x' is not a port number (0-65535)");
    assertThatThrownBy(() -> OperatorConfig.parse(new String[0], Map.of("PULLSECRET_TRUSTED_NAMESPACES", "ok,Not_OK"), NO_FILE))
        .hasMessage("PULLSECRET_TRUSTED_NAMESPACES (--trusted-namespaces): 'Not_OK' is not a valid namespace name");
    assertThatThrownBy(() -> OperatorConfig.parse(new String[0], Map.of("PULLSECRET_LEADER_ELECTION", "yes"), NO_FILE))
        .hasMessage("PULLSECRET_LEADER_ELECTION (--leader-election): 'yes' is not true or false");
    assertThatThrownBy(() -> OperatorConfig.parse(new String[0], Map.of("PULLSECRET_LOG_LEVEL", "loud"), NO_FILE))
        .hasMessage("PULLSECRET_LOG_LEVEL (--log-level): 'loud' is not one of trace, debug, info, warn, error");
    refuses("--namespace", "flag --namespace needs a value");
    refuses("stray", "unexpected argument 'stray' (flags look like --name=value)");
    assertThatThrownBy(() -> OperatorConfig.parse(new String[] {"--help"}, Map.of(), NO_FILE))
        .isInstanceOf(OperatorConfig.HelpRequested.class).hasMessageContaining("PULLSECRET_WATCH_NAMESPACES");
  }

  @Test
  void allowedEndpointHostsFromEnvironmentAndFlag() throws Exception {
    OperatorConfig env = OperatorConfig.parse(new String[0],
        Map.of("PULLSECRET_ALLOWED_ENDPOINT_HOSTS", " STS.example.com, 10.0.0.7:8443,,[fd00::1]:443 "), NO_FILE);
    assertThat(env.allowedEndpointHosts()).isEqualTo(Set.of("sts.example.com", "10.0.0.7:8443", "[fd00::1]:443"));

    OperatorConfig flag = OperatorConfig.parse(new String[] {"--allowed-endpoint-hosts", "acr-proxy.internal"},
        Map.of("PULLSECRET_ALLOWED_ENDPOINT_HOSTS", "ignored.example.com"), NO_FILE);
    assertThat(flag.allowedEndpointHosts()).containsExactly("acr-proxy.internal");

    for (String bad : new String[] {"https://sts.example.com", "sts.example.com/v1", "host:99999", "host:", "a b", "*.example.com"}) {
      assertThatThrownBy(() -> OperatorConfig.parse(new String[] {"--allowed-endpoint-hosts=ok.example.com," + bad}, Map.of(), NO_FILE))
          .hasMessage("PULLSECRET_ALLOWED_ENDPOINT_HOSTS (--allowed-endpoint-hosts): '" + bad + "' is not a host or host:port");
    }
    assertThatThrownBy(() -> OperatorConfig.parse(new String[] {"--help"}, Map.of(), NO_FILE))
        .isInstanceOf(OperatorConfig.HelpRequested.class)
        .hasMessageContaining("--allowed-endpoint-hosts").hasMessageContaining("PULLSECRET_ALLOWED_ENDPOINT_HOSTS");
  }

  @Test
  void theSevenArgumentConstructorAllowsNoExtraEndpoints() {
    OperatorConfig c = new OperatorConfig("ops", Set.of("ops"), Set.of(), 0, false, "info", "text");
    assertThat(c.allowedEndpointHosts()).isEmpty();
    assertThat(new OperatorConfig("ops", Set.of("ops"), Set.of(), 0, false, "info", "text", null).allowedEndpointHosts()).isEmpty();
  }

  @Test
  void webhookSettings() throws Exception {
    OperatorConfig d = OperatorConfig.parse(new String[0], Map.of(), NO_FILE);
    assertThat(d.webhook()).isEqualTo(OperatorConfig.Webhook.DISABLED);
    assertThat(d.webhook().enabled()).isFalse();
    assertThat(d.webhook().port()).isEqualTo(9443);
    OperatorConfig c = OperatorConfig.parse(new String[] {"--webhook-port=0", "--webhook-configuration=pso"},
        Map.of("PULLSECRET_WEBHOOK_ENABLED", "true", "PULLSECRET_WEBHOOK_PORT", "1234", "PULLSECRET_WEBHOOK_CERT_DIR", "/tls",
            "PULLSECRET_WEBHOOK_SECRET", "tls", "PULLSECRET_WEBHOOK_SERVICE", "hook"), NO_FILE);
    assertThat(c.webhook()).isEqualTo(new OperatorConfig.Webhook(true, 0, "/tls", "tls", "pso", "hook"));
    refuses("--webhook-enabled=yes", "PULLSECRET_WEBHOOK_ENABLED (--webhook-enabled): 'yes' is not true or false");
    refuses("--webhook-port=70000", "PULLSECRET_WEBHOOK_PORT (--webhook-port): '70000' is not a port number (0-65535)");
    refuses("--webhook-service=a.b", "PULLSECRET_WEBHOOK_SERVICE (--webhook-service): 'a.b' is not a valid Service name");
    assertThat(OperatorConfig.usage()).contains("--webhook-enabled", "PULLSECRET_WEBHOOK_PORT", "--webhook-cert-dir");
  }

  @Test
  void metricsSettings() throws Exception {
    OperatorConfig d = OperatorConfig.parse(new String[0], Map.of(), NO_FILE);
    assertThat(d.metrics()).isEqualTo(OperatorConfig.Metrics.PLAIN);
    assertThat(d.metrics().secure()).as("the binary alone keeps plain /metrics; the chart turns authentication on").isFalse();
    OperatorConfig c = OperatorConfig.parse(new String[] {"--metrics-port=0"},
        Map.of("PULLSECRET_METRICS_SECURE", "true", "PULLSECRET_METRICS_PORT", "1234", "PULLSECRET_METRICS_SERVICE", "scrape-me"), NO_FILE);
    assertThat(c.metrics()).isEqualTo(new OperatorConfig.Metrics(true, 0, "scrape-me"));
    assertThat(c.withWebhook(OperatorConfig.Webhook.on(0)).metrics()).isEqualTo(c.metrics());
    refuses("--metrics-secure=maybe", "PULLSECRET_METRICS_SECURE (--metrics-secure): 'maybe' is not true or false");
    refuses("--metrics-service=a.b", "PULLSECRET_METRICS_SERVICE (--metrics-service): 'a.b' is not a valid Service name");
    assertThat(OperatorConfig.usage()).contains("--metrics-secure", "PULLSECRET_METRICS_PORT", "--metrics-service");
  }

  @Test
  void healPodsDefaultAppliesOnlyWhereSpecHealPodsIsUnset() throws Exception {
    OperatorConfig d = OperatorConfig.parse(new String[0], Map.of(), NO_FILE);
    assertThat(d.healPodsDefault()).isFalse();
    assertThat(d.healsPods(null)).as("unset, off by default: existing credentials keep their behaviour").isFalse();
    assertThat(d.healsPods(true)).isTrue();
    assertThat(d.healsPods(false)).isFalse();
    OperatorConfig on = OperatorConfig.parse(new String[0], Map.of("PULLSECRET_HEAL_PODS_DEFAULT", "true"), NO_FILE);
    assertThat(on.healsPods(null)).isTrue();
    assertThat(on.healsPods(false)).as("spec.healPods: false still turns it off").isFalse();
    assertThat(on.withMetrics(OperatorConfig.Metrics.PLAIN).withWebhook(OperatorConfig.Webhook.DISABLED).healPodsDefault()).isTrue();
    assertThat(OperatorConfig.parse(new String[] {"--heal-pods-default=false"}, Map.of("PULLSECRET_HEAL_PODS_DEFAULT", "true"), NO_FILE)
        .healPodsDefault()).isFalse();
    refuses("--heal-pods-default=yes", "PULLSECRET_HEAL_PODS_DEFAULT (--heal-pods-default): 'yes' is not true or false");
  }

  /** The single flag {@code arg} is refused at start-up with exactly {@code message}. */
  static void refuses(String arg, String message) {
    assertThatThrownBy(() -> OperatorConfig.parse(new String[] {arg}, Map.of(), NO_FILE)).hasMessage(message);
  }
}
