package io.pullsecrets.operator;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The two log formats: one text line or one JSON object per event, naming the resource. */
class LoggingTest {
  static final Logger LOG = LoggerFactory.getLogger(LoggingTest.class);
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
    assertThat(line).contains("INFO", "i.p.o.reconciler.Replicator")
        .endsWith(" - patched ServiceAccount team-a/default [platform/ecr-prod]\n");
  }

  @Test
  void linesLoggedWithACredentialEndWithTheSameSuffixAndTheMdcIsRestored() {
    try (LogCapture log = LogCapture.of(LoggingTest.class, "text")) {
      LOG.info("outside");
      Logging.withCredential("team-a", "ghcr", () -> LOG.warn("inside"));
      MDC.put("resource.namespace", "platform");
      MDC.put("resource.name", "ecr-prod");
      try {
        Logging.withCredential("team-a", "ghcr", () -> LOG.info("nested"));
        LOG.info("after");
      } finally {
        MDC.clear();
      }
      LOG.info("cleared");
      assertThat(log.lines()).satisfiesExactly(
          l -> assertThat(l).endsWith(" - outside"),
          l -> assertThat(l).contains("WARN").endsWith(" - inside [team-a/ghcr]"),
          l -> assertThat(l).endsWith(" - nested [team-a/ghcr]"),
          l -> assertThat(l).endsWith(" - after [platform/ecr-prod]"),
          l -> assertThat(l).endsWith(" - cleared"));
    }
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

  @Test
  void jsonTimestampIsRfc3339InUtc() throws Exception {
    LoggingEvent e = event();
    e.setInstant(Instant.parse("2026-11-29T09:31:46.123456Z"));
    String line = new String(Logging.encoder(ctx, "json").encode(e), StandardCharsets.UTF_8);
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
    String timestamp = json.get("timestamp").asText();
    assertThat(timestamp).isEqualTo("2026-11-29T09:31:46.123Z");
    assertThat(OffsetDateTime.parse(timestamp).getOffset()).isEqualTo(ZoneOffset.UTC);
    assertThat(line).startsWith("{\"timestamp\":\"2026-11-29T09:31:46.123Z\",\"level\":\"INFO\",");
  }

  @Test
  void jsonLinesLoggedWithACredentialCarryItsTimestampAndResource() throws Exception {
    Instant before = Instant.now();
    try (LogCapture log = LogCapture.of(LoggingTest.class, "json")) {
      Logging.withCredential("team-a", "ghcr", () -> LOG.info("inside"));
      Instant after = Instant.now();
      var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(log.lines().get(0));
      Instant at = Instant.parse(json.get("timestamp").asText());
      assertThat(at).isBetween(before.minusMillis(1), after);
      assertThat(json.get("formattedMessage").asText()).isEqualTo("inside");
      assertThat(json.get("mdc").get("resource.namespace").asText()).isEqualTo("team-a");
      assertThat(json.get("mdc").get("resource.name").asText()).isEqualTo("ghcr");
    }
  }
}
