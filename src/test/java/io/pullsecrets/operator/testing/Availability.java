package io.pullsecrets.operator.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
