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
 * Secret hygiene for every operator test: the secret values a test puts into source Secrets (or a
 * cloud stub hands out) are registered here; {@link OperatorHarness#close()} then scans the
 * operator's log lines, every Event and every RegistryCredential status for them and fails on a hit.
 */
public final class SecretScan {
  private static final Set<String> VALUES = ConcurrentHashMap.newKeySet();

  private SecretScan() {}

  /** A secret value (and its base64 form). Values shorter than 6 characters are too common to scan for. */
  public static void register(String value) {
    if (value != null && value.length() >= 6) {
      VALUES.add(value);
      VALUES.add(Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
    }
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

  /** Captures every log line (with its stack trace) while open. */
  public static final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
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
