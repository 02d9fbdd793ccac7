package io.pullsecrets.operator.realserver;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.pullsecrets.operator.Logging;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OnRealControlPlane;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The secret scan of one run at log level debug (issue 13 #5): the operator's and JOSDK's debug
 * lines, captured while a credential is created, replicated and rotated, must not contain the
 * passwords, their base64 forms or the base64 of {@code user:password} ({@link OperatorHarness#close()}
 * fails on a hit).
 */
@OnRealControlPlane
class DebugLogSecretScanTest {

  @Test
  void aDebugLevelRunLogsNoSecret() {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    Map<String, Level> before = new java.util.HashMap<>();
    for (String name : List.of("io.pullsecrets", "io.javaoperatorsdk", "io.fabric8")) {
      before.put(name, ctx.getLogger(name).getLevel());
    }
    OperatorHarness h = new OperatorHarness();
    try {
      Logging.level("debug");
      h.start();
      Fixtures.namespace(h.client, "team-debug", Map.of());
      Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "debug-scan-password-1");
      RegistryCredential rc = CredentialBuilder.staticLogin(PLATFORM_NS, "debug", "registry.example.com", "robot")
          .secretName("regcred").targets(List.of("team-debug")).build();
      h.apply(rc);
      h.awaitReady(PLATFORM_NS, "debug");
      // A rotation: the new password goes through the same debug-logged paths.
      Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "debug-scan-password-2");
      h.awaitUntil(() -> h.secret("team-debug", "regcred").map(s -> Fixtures.dockerConfigJson(s)
          .contains("debug-scan-password-2")).orElse(false));
      assertThat(h.debugLogLines()).as("debug lines were captured and scanned").isGreaterThan(0);
    } finally {
      try {
        h.close();
      } finally {
        before.forEach((name, level) -> ctx.getLogger(name).setLevel(level));
      }
    }
  }
}
