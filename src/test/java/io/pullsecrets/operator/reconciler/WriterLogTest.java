package io.pullsecrets.operator.reconciler;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.mockwebserver.http.MockResponse;
import io.pullsecrets.operator.Logging;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.MockApiServer;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * What an on-call engineer reads about the writes: each line says what changed, in the operator's
 * text format, and ends with the credential it was done for.
 */
class WriterLogTest {
  static final String SUFFIX = " [" + PLATFORM_NS + "/example]";

  final LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
  /** The writers: the replicator, the Secret writer and the ServiceAccount patcher. */
  final List<Logger> writerLogs = List.of(
      ctx.getLogger(Replicator.class), ctx.getLogger(SecretWriter.class), ctx.getLogger(ServiceAccountPatcher.class));
  final TextLines lines = new TextLines(textEncoder(ctx));
  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;

  /** The writers' lines as the text format prints them: "LEVEL message [ns/name]". */
  static final class TextLines extends AppenderBase<ILoggingEvent> {
    final List<String> lines = new CopyOnWriteArrayList<>();
    final Encoder<ILoggingEvent> encoder;

    TextLines(Encoder<ILoggingEvent> encoder) {
      this.encoder = encoder;
    }

    @Override
    protected void append(ILoggingEvent e) {
      String line = new String(encoder.encode(e), StandardCharsets.UTF_8).strip();
      lines.add(e.getLevel() + " " + line.substring(line.indexOf(" - ") + 3));
    }
  }

  /** The operator's text format ({@link Logging#TEXT_PATTERN}). */
  static Encoder<ILoggingEvent> textEncoder(LoggerContext ctx) {
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(ctx);
    text.setPattern(Logging.TEXT_PATTERN);
    text.start();
    return text;
  }

  @BeforeEach
  void capture() {
    lines.setContext(ctx);
    lines.start();
    writerLogs.forEach(l -> {
      l.addAppender(lines);
      l.setLevel(Level.DEBUG);
    });
    closer.add(() -> writerLogs.forEach(l -> {
      l.detachAppender(lines);
      l.setLevel(null);
    }));
  }

  @Test
  void writerLinesSayWhatChangedAndEndWithTheCredential() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-b", Map.of());
    h.applyReady(Fixtures.teamCredential(h.client, "registry.example.com", List.of("team-a")));
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "writer-log-pw-2");
    h.awaitUntil(() -> lines.lines.contains("INFO updated Secret team-a/regcred" + SUFFIX));

    // Read, change, update; again when the operator wrote status in between (409), as kubectl edit does.
    h.awaitUntil(() -> {
      RegistryCredential latest = h.get(PLATFORM_NS, "example");
      latest.getSpec().getTargets().setNamespaces(List.of("team-b"));
      try {
        h.apply(latest);
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        return false;
      }
    });
    h.awaitUntil(() -> lines.lines.contains("INFO deleted Secret team-a/regcred" + SUFFIX));

    assertThat(lines.lines).contains(
        "INFO created Secret team-a/regcred" + SUFFIX,
        "INFO added entry regcred to ServiceAccount team-a/default" + SUFFIX,
        "INFO removed entry regcred from ServiceAccount team-a/default" + SUFFIX,
        "INFO created Secret team-b/regcred" + SUFFIX);
    assertThat(lines.lines).allMatch(l -> l.endsWith(SUFFIX)).noneMatch(l -> l.contains("ResourceID"));
  }

  @Test
  void aFailureRepeatedOnEveryRetryIsLoggedOnceAndItsRecoveryOnce() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    AtomicInteger left = new AtomicInteger(2);
    h.mock().setFault(r -> MockApiServer.OPERATOR_AGENT.equals(r.getHeader("User-Agent")) && r.getMethod().equals("POST")
        && r.getPath().contains("/namespaces/team-a/secrets") && left.getAndDecrement() > 0
        ? new MockResponse().setResponseCode(500) : null);
    h.applyReady(Fixtures.teamCredential(h.client, "registry.example.com", List.of("team-a")));

    String failure = "namespace team-a: writing Secret 'regcred' failed: HTTP 500" + SUFFIX;
    assertThat(lines.lines).containsOnlyOnce("WARN " + failure)
        .containsOnlyOnce("INFO namespace team-a: writes succeed again" + SUFFIX)
        .contains("DEBUG " + failure.replace(SUFFIX, " (again)" + SUFFIX));
    assertThat(lines.lines.stream().filter(l -> l.startsWith("WARN "))).hasSize(1);
  }
}
