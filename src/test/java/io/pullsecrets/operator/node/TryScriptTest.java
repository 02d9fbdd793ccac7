package io.pullsecrets.operator.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.testing.Node;
import io.pullsecrets.operator.testing.OnRealNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code hack/try.sh} as written, then {@code hack/try.sh down}: the README's one command to try
 * the operator. It starts the machine's one node itself, so the JVM's node is taken down first.
 */
@OnRealNode
class TryScriptTest {
  static Process run(Path dir, Path log, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", "hack/try.sh");
    pb.command().addAll(java.util.List.of(args));
    pb.environment().put("PULLSECRET_TRY_DIR", dir.toString());
    return pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  @Test
  void tryShStartsEverythingAndTheDemoPodRuns() throws Exception {
    Node.release();
    Path dir = Files.createTempDirectory("pullsecret-try").toRealPath();
    Path log = Files.createTempFile("try", ".log");
    try {
      long t0 = System.nanoTime();
      Process p = run(dir, log);
      assertThat(p.waitFor(20, TimeUnit.MINUTES)).as("hack/try.sh finished").isTrue();
      String out = Files.readString(log, StandardCharsets.UTF_8);
      System.out.printf("[try] hack/try.sh took %.1f s%n", (System.nanoTime() - t0) / 1e9);
      assertThat(p.exitValue()).as(out).isZero();
      // kubectl get regcred -A: the demo credential READY True; the pod Running; the KUBECONFIG line.
      assertThat(out).containsPattern("(?m)^pullsecret-system +demo +True ");
      assertThat(out).containsPattern("(?m)^hello +1/1 +Running ");
      assertThat(out).contains("export KUBECONFIG=" + dir + "/kubeconfig");
    } finally {
      Process down = run(dir, log, "down");
      assertThat(down.waitFor(2, TimeUnit.MINUTES)).isTrue();
    }
    assertThat(dir).doesNotExist();
  }
}
