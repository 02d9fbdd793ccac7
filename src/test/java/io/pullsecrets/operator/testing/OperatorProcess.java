package io.pullsecrets.operator.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The operator as a user runs it: {@code io.pullsecrets.operator.Main} (the jar's main class) in a
 * child JVM, on the test's class path, configured by flags and a {@code KUBECONFIG} file. Its log
 * goes to a file; {@link #close()} stops it and scans the log for the secret values the test used.
 */
public final class OperatorProcess implements AutoCloseable {
  private final Process process;
  public final Path log;

  private OperatorProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static OperatorProcess start(Path kubeconfig, String... flags) {
    return start(java.util.Map.of("KUBECONFIG", kubeconfig.toAbsolutePath().toString()), flags);
  }

  /**
   * The operator with these environment variables set on top of the test's (a null value removes
   * the variable; PULLSECRET_* variables are always removed).
   */
  public static OperatorProcess start(java.util.Map<String, String> env, String... flags) {
    try {
      Path log = Files.createTempFile(Path.of("target"), "operator-process", ".log");
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), "io.pullsecrets.operator.Main"));
      cmd.addAll(List.of(flags));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("PULLSECRET_"));
      env.forEach((k, v) -> {
        if (v == null) {
          pb.environment().remove(k);
        } else {
          pb.environment().put(k, v);
        }
      });
      return new OperatorProcess(pb.start(), log);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits for the process to exit and returns its exit code; fails the test when it is still running. */
  public int exitCode(java.time.Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("the operator still runs after " + timeout + "; log:\n" + logText());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return process.exitValue();
  }

  public boolean alive() {
    return process.isAlive();
  }

  public String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<String> hits = new ArrayList<>();
    for (String line : logText().split("\n")) {
      hits.addAll(SecretScan.find("a log line of the operator process", line));
    }
    if (!hits.isEmpty()) {
      throw new AssertionError("secret material leaked:\n" + String.join("\n", hits));
    }
  }
}
