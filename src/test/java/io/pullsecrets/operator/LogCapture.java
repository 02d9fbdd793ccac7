package io.pullsecrets.operator;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The lines one logger writes, encoded as the operator writes them ({@link Logging#encoder}, text
 * or json) on the logging thread, so that the MDC of the moment is in them.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private LogCapture(Class<?> type, String format) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    logger = ctx.getLogger(type);
    appender.setContext(ctx);
    appender.setName("capture-" + type.getSimpleName());
    appender.setEncoder(Logging.encoder(ctx, format));
    appender.setOutputStream(out);
    appender.start();
    logger.addAppender(appender);
  }

  /** Captures what the logger of {@code type} writes from now on, in {@code text} or {@code json}. */
  public static LogCapture of(Class<?> type, String format) {
    return new LogCapture(type, format);
  }

  public List<String> lines() {
    return out.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
