package io.pullsecrets.operator;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/** Applies the configured log level at start-up (the format is chosen in logback.xml). */
final class Logging {
  private Logging() {}

  static void configure(String level, String format) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.getLogger("io.pullsecrets").setLevel(Level.toLevel(level, Level.INFO));
  }
}
