package io.pullsecrets.operator.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Secret hygiene for every operator test: the secret values a test class puts into source Secrets
 * (or a cloud stub hands out) are registered here until the class has finished ({@link PerClass});
 * {@link OperatorHarness#close()} then scans the operator's log lines, every Event and every
 * RegistryCredential status for them and fails on a hit.
 */
public final class SecretScan {
  private static final Set<String> VALUES = ConcurrentHashMap.newKeySet();

  private SecretScan() {}

  /**
   * Values shorter than this are refused rather than skipped: a test uses a value long enough to
   * be unique (e.g. {@code scan-pw-1}, not {@code pw-1}), so every secret it plants is scanned for.
   */
  public static final int MIN_LENGTH = 8;

  /** A secret value (and its base64 form); every one is scanned for. */
  public static void register(String value) {
    if (value == null || value.isEmpty()) {
      return;
    }
    if (value.length() < MIN_LENGTH) {
      throw new IllegalArgumentException("a secret value of " + value.length() + " characters is too short to scan for"
          + " without false hits: use a unique value of at least " + MIN_LENGTH + " characters");
    }
    VALUES.add(value);
    VALUES.add(Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
  }

  /** Where in {@code text} a registered value occurs, described without the value. */
  public static List<String> find(String where, String text) {
    List<String> hits = new ArrayList<>();
    if (text == null) {
      return hits;
    }
    for (String v : VALUES) {
      int i = text.indexOf(v);
      if (i >= 0) {
        hits.add(where + " contains a secret value (" + v.length() + " characters) at offset " + i);
      }
    }
    return hits;
  }

  /**
   * Forgets every registered value when a test class has finished, so that no class depends on
   * what another registered (registered through META-INF/services, like {@link SkippedTestsSummary}).
   */
  public static final class PerClass implements org.junit.platform.launcher.TestExecutionListener {
    @Override
    public void executionFinished(org.junit.platform.launcher.TestIdentifier test,
        org.junit.platform.engine.TestExecutionResult result) {
      if (test.getSource().filter(org.junit.platform.engine.support.descriptor.ClassSource.class::isInstance).isPresent()) {
        VALUES.clear();
      }
    }
  }

  /** Captures every log line (with its stack trace) while open. */
  public static final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger debugLines = new java.util.concurrent.atomic.AtomicInteger();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    public LogCapture() {
      setContext(root.getLoggerContext());
      setName("secret-scan");
      start();
      root.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent e) {
      String line = e.getLoggerName() + " " + e.getFormattedMessage();
      if (e.getThrowableProxy() != null) {
        line += "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy());
      }
      lines.add(line);
      if (!e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO)) {
        debugLines.incrementAndGet();
      }
    }

    /** How many captured lines were logged below INFO (debug or trace). */
    public int debugLines() {
      return debugLines.get();
    }

    public List<String> lines() {
      return List.copyOf(lines);
    }

    @Override
    public void close() {
      root.detachAppender(this);
      stop();
    }
  }
}
