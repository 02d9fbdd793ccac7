package io.pullsecrets.operator;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

/**
 * Chooses the log format and level at start-up. Text is the default (one line per event, UTC
 * timestamp, and the reconciled resource as {@code [namespace/name]} when JOSDK has put it in the
 * MDC); {@code json} writes one JSON object per line with logback's {@link JsonEncoder}: level,
 * logger, thread, timestamp, formatted message, MDC (resource.namespace, resource.name, ...) and
 * the throwable.
 */
public final class Logging {
  /** The text layout; also in logback.xml. */
  public static final String TEXT_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{30} - %msg"
          + "%replace( [%X{resource.namespace}/%X{resource.name}]){' \\[/\\]', ''}%n";

  private Logging() {}

  /**
   * @param level trace, debug, info, warn or error: for the operator's own loggers (JOSDK stays at
   *     info and fabric8 at warn unless the level is debug or trace)
   * @param format text or json
   */
  public static void configure(String level, String format) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    level(level);
    ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(ctx);
    appender.setName("json".equalsIgnoreCase(format) ? "JSON" : "TEXT");
    appender.setEncoder(encoder(ctx, format));
    appender.start();
    root.detachAndStopAllAppenders();
    root.addAppender(appender);
  }

  /** Sets the loggers' levels only (as {@link #configure} does), leaving the appenders alone. */
  public static void level(String level) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    Level lvl = Level.toLevel(level, Level.INFO);
    ctx.getLogger("io.pullsecrets").setLevel(lvl);
    if (lvl.toInt() <= Level.DEBUG_INT) {
      ctx.getLogger("io.javaoperatorsdk").setLevel(lvl);
      ctx.getLogger("io.fabric8").setLevel(Level.INFO);
    }
  }

  static Encoder<ILoggingEvent> encoder(LoggerContext ctx, String format) {
    if ("json".equalsIgnoreCase(format)) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(ctx);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(ctx);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }
}
