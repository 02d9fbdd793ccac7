package io.pullsecrets.operator.startup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.testing.OperatorProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What a failed start must look like: exit code != 0, one ERROR line, no stack trace. */
public final class StartupOutput {
  private StartupOutput() {}

  /** Waits for the operator to exit; asserts the code is not 0 and the log holds one ERROR line containing {@code expected}. */
  public static String assertFailsWithOneLine(OperatorProcess op, String... expected) {
    int code = op.exitCode(Duration.ofSeconds(90));
    String out = op.logText();
    assertThat(code).as("exit code; output:%n%s", out).isNotZero();
    List<String> errors = out.lines().filter(l -> l.contains(" ERROR ")).toList();
    assertThat(errors).as("ERROR lines; output:%n%s", out).hasSize(1);
    assertThat(errors.get(0)).as("the ERROR line").contains(expected).doesNotContain("null: null");
    assertThat(out).as("no stack trace; output:%n%s", out)
        .doesNotContainPattern("(?m)^\\s+at \\S+\\(")
        .doesNotContain("Caused by")
        .doesNotContain("Exception");
    return errors.get(0);
  }

  /** A kubeconfig for {@code server} with a bearer token (and a CA file, or none). */
  public static Path kubeconfig(String server, Path ca, String token) throws IOException {
    Path file = Files.createTempFile(Path.of("target"), "startup-kubeconfig", ".yaml");
    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: test-cluster
          cluster: {server: "%s"%s}
        users:
        - name: test-user
          user: {token: "%s"}
        contexts:
        - name: test-context
          context: {cluster: test-cluster, user: test-user}
        current-context: test-context
        """.formatted(server, ca == null ? "" : ", certificate-authority: \"" + ca.toAbsolutePath() + "\"", token));
    return file;
  }
}
