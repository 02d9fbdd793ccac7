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
 * Marks a test class whose pods really run: the real control plane and a real node
 * ({@code hack/node.sh}: kubelet, containerd, kube-proxy, scheduler, a private registry). Where
 * either cannot run (binaries not built, not root, Debian packages missing) the class is skipped
 * before any set-up (one console line says why), unless PULLSECRET_REQUIRE_NODE=true, when its
 * tests run and fail.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(OnRealNode.Condition.class)
public @interface OnRealNode {
  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      if (Node.required()) {
        return ConditionEvaluationResult.enabled("the node is required");
      }
      String why = ControlPlane.unavailableReason();
      if (why == null) {
        why = Node.unavailableReason();
      }
      return why == null ? ConditionEvaluationResult.enabled("the control plane and the node can run here")
          : ConditionEvaluationResult.disabled(why);
    }
  }
}
