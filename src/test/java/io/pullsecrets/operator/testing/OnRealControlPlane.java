package io.pullsecrets.operator.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a test class that runs on the real control plane: where its binaries are not built, the
 * class is skipped before any set-up runs (one console line says why and how to build them),
 * unless PULLSECRET_REQUIRE_CONTROL_PLANE=true, when its tests run and fail.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(OnRealControlPlane.Condition.class)
public @interface OnRealControlPlane {
  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      // A node started by an earlier test class of this JVM takes no pods of this one, unless it asks for it.
      Node.park();
      String why = ControlPlane.unavailableReason();
      if (why == null || Boolean.parseBoolean(System.getenv("PULLSECRET_REQUIRE_CONTROL_PLANE"))) {
        return ConditionEvaluationResult.enabled("the control plane is built (or required)");
      }
      return ConditionEvaluationResult.disabled(why);
    }
  }
}
