package io.pullsecrets.operator.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;

/**
 * Whether a shared test environment (the control plane, the node) can run on this machine: why it
 * cannot is worked out once and printed once; where it cannot, the calling test is skipped, or
 * fails when the environment is required (CI sets the variable).
 */
final class Availability {
  private final String tag;
  private final String tests;
  private final String requiredBy;
  private final Supplier<String> why;
  private String checked;
  private boolean printed;

  /** For example {@code ("control-plane", "real-server tests", "PULLSECRET_REQUIRE_CONTROL_PLANE", ...)}. */
  Availability(String tag, String tests, String requiredBy, Supplier<String> why) {
    this.tag = tag;
    this.tests = tests;
    this.requiredBy = requiredBy;
    this.why = why;
  }

  /** Why {@code hack/<script> status} says the environment cannot run (its output), or null when it can. */
  static String scriptStatus(Path script) {
    String name = "hack/" + script.getFileName();
    try {
      Process p = new ProcessBuilder("bash", script.toString(), "status").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return out.isEmpty() ? name + " status failed" : out;
      }
      return null;
    } catch (IOException | InterruptedException e) {
      return name + " could not run: " + e.getMessage();
    }
  }

  /**
   * Runs {@code command} (a hack/ script): its stderr, and its stdout when {@code out} is null,
   * appended to {@code log}, its stdout otherwise written to {@code out}; fails with the log's last
   * lines when it fails or outlives {@code timeout}.
   */
  static void runScript(List<String> command, Path log, Path out, Duration timeout) throws IOException, InterruptedException {
    ProcessBuilder b = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    b = out == null ? b.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        : b.redirectOutput(out.toFile());
    Process p = b.start();
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " timed out; see " + log);
    }
    if (p.exitValue() != 0) {
      List<String> lines = Files.readAllLines(log);
      throw new IOException(String.join(" ", command) + " failed: "
          + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
    }
  }

  boolean required() {
    return Boolean.parseBoolean(System.getenv(requiredBy));
  }

  /** Why the environment cannot run here, or null; prints that reason on the console once. */
  synchronized String reason() {
    if (checked == null) {
      String w = why.get();
      checked = w == null ? "" : w;
    }
    if (!checked.isEmpty() && !printed) {
      printed = true;
      System.out.println("[" + tag + "] " + tests + " skipped: " + checked
          + " (CI sets " + requiredBy + "=true, which fails them instead)");
    }
    return checked.isEmpty() ? null : checked;
  }

  /** It did not start: says so on the console; returns the reason. */
  String didNotStart(String what, Exception e) {
    String unavailable = "the " + what + " did not start: " + e.getMessage();
    System.out.println("[" + tag + "] " + unavailable);
    return unavailable;
  }

  /** Skips the calling test, or fails it when the environment is required. */
  AssertionError skipOrFail(String unavailable) {
    if (required()) {
      throw new IllegalStateException(requiredBy + "=true but " + unavailable);
    }
    Assumptions.abort(unavailable);
    return new AssertionError("unreachable");
  }
}
