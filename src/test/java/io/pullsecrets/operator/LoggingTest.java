package io.pullsecrets.operator;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The two log formats: one text line or one JSON object per event, naming the resource. */
class LoggingTest {
  final LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();

  private LoggingEvent event() {
    return event(Map.of("resource.namespace", "platform", "resource.name", "ecr-prod"));
  }

  private LoggingEvent event(Map<String, String> mdc) {
    LoggingEvent e = new LoggingEvent("x", ctx.getLogger("io.pullsecrets.operator.reconciler.Replicator"), Level.INFO,
        "patched ServiceAccount {}", null, new Object[] {"team-a/default"});
    e.setMDCPropertyMap(mdc);
    return e;
  }

  @Test
  void textLineNamesTheResource() {
    String line = new String(Logging.encoder(ctx, "text").encode(event()), StandardCharsets.UTF_8);
    assertThat(line).contains("INFO", "i.p.o.reconciler.Replicator", "patched ServiceAccount team-a/default", "[platform/ecr-prod]")
        .endsWith("\n");
  }

  @Test
  void textLineWithoutResourceHasNoBrackets() {
    LoggingEvent e = event(Map.of());
    String line = new String(Logging.encoder(ctx, "text").encode(e), StandardCharsets.UTF_8);
    assertThat(line).doesNotContain("[/]").endsWith("team-a/default\n");
  }

  @Test
  void jsonIsOneObjectPerLineWithMessageLevelAndResource() throws Exception {
    String line = new String(Logging.encoder(ctx, "json").encode(event()), StandardCharsets.UTF_8);
    assertThat(line.strip()).doesNotContain("\n");
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
    assertThat(json.get("level").asText()).isEqualTo("INFO");
    assertThat(json.get("formattedMessage").asText()).isEqualTo("patched ServiceAccount team-a/default");
    assertThat(json.get("loggerName").asText()).isEqualTo("io.pullsecrets.operator.reconciler.Replicator");
    assertThat(json.get("mdc").get("resource.name").asText()).isEqualTo("ecr-prod");
    assertThat(json.get("mdc").get("resource.namespace").asText()).isEqualTo("platform");
  }
}
