package io.pullsecrets.operator.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints, at the end of the test run, which test groups were skipped and why (a missing Docker
 * engine, control plane, registry or helm), so that a green run never hides what it did not run.
 * Registered through META-INF/services.
 */
public final class SkippedTestsSummary implements TestExecutionListener {
  /** reason -> test classes */
  private final Map<String, TreeSet<String>> skipped = new TreeMap<>();

  @Override
  public synchronized void executionSkipped(TestIdentifier test, String reason) {
    add(test, reason);
  }

  @Override
  public synchronized void executionFinished(TestIdentifier test, TestExecutionResult result) {
    if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
      add(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
    }
  }

  private void add(TestIdentifier test, String reason) {
    String group = test.getSource().map(s -> {
      if (s instanceof MethodSource m) {
        return simple(m.getClassName());
      }
      if (s instanceof ClassSource c) {
        return simple(c.getClassName());
      }
      return test.getDisplayName();
    }).orElse(test.getDisplayName());
    String why = reason == null ? "no reason given" : reason.lines().findFirst().orElse(reason);
    skipped.computeIfAbsent(why, k -> new TreeSet<>()).add(group);
  }

  private static String simple(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }

  @Override
  public synchronized void testPlanExecutionFinished(TestPlan plan) {
    if (skipped.isEmpty()) {
      System.out.println("[skipped] nothing: every test group ran");
      return;
    }
    skipped.forEach((why, groups) -> System.out.println("[skipped] " + String.join(", ", groups) + ": " + why));
  }
}
