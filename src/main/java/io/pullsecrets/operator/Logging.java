package io.pullsecrets.operator;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Chooses the log format and level at start-up. Text is the default: one line per event, UTC
 * timestamp, and, for a line about a RegistryCredential, the suffix {@code [namespace/name]} read
 * from the MDC (JOSDK sets it while reconciling; {@link #withCredential} sets it elsewhere). {@code
 * json} writes one JSON object per line: an RFC 3339 UTC {@code timestamp}, level, logger, thread,
 * formatted message, MDC (resource.namespace, resource.name, ...) and the throwable.
 */
public final class Logging {
  /** The MDC keys JOSDK fills with the reconciled resource (the text suffix reads them). */
  private static final String NAMESPACE_KEY = "resource.namespace";
  private static final String NAME_KEY = "resource.name";

  /** The text layout; also in logback.xml. */
  public static final String TEXT_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{30} - %msg"
          + "%replace( [%X{resource.namespace}/%X{resource.name}]){' \\[/\\]', ''}%n";

  private Logging() {}

  /**
   * Runs {@code action} with the credential in the MDC, so that its log lines end with {@code
   * [namespace/name]} as lines logged while JOSDK reconciles it do; the MDC is restored afterwards.
   */
  public static void withCredential(String namespace, String name, Runnable action) {
    String previousNamespace = MDC.get(NAMESPACE_KEY);
    String previousName = MDC.get(NAME_KEY);
    MDC.put(NAMESPACE_KEY, namespace);
    MDC.put(NAME_KEY, name);
    try {
      action.run();
    } finally {
      restore(NAMESPACE_KEY, previousNamespace);
      restore(NAME_KEY, previousName);
    }
  }

  private static void restore(String key, String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }

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
      JsonEncoder json = new Rfc3339JsonEncoder();
      json.setContext(ctx);
      json.setWithSequenceNumber(false);
      json.setWithTimestamp(false);
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

  /**
   * logback's JSON object with an RFC 3339 UTC {@code "timestamp"} (millisecond precision, ending
   * in {@code Z}) as its first member, in place of logback's epoch milliseconds.
   */
  static final class Rfc3339JsonEncoder extends JsonEncoder {
    static final DateTimeFormatter RFC_3339 =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

    @Override
    public byte[] encode(ILoggingEvent event) {
      // The rest starts with '{' and, with the sequence number, timestamp and nanoseconds off,
      // with the level member and no separator.
      String rest = new String(super.encode(event), StandardCharsets.UTF_8);
      return ("{\"" + TIMESTAMP_ATTR_NAME + "\":\"" + RFC_3339.format(event.getInstant()) + "\","
          + rest.substring(1)).getBytes(StandardCharsets.UTF_8);
    }
  }
}
