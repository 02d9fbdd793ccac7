package io.pullsecrets.operator.http;

import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RuntimeInfo;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Liveness and readiness from JOSDK's {@link RuntimeInfo}.
 *
 * <ul>
 *   <li>live: the process answers and, once started, every informer is running and watching
 *       (JOSDK reports an informer whose watch stopped as unhealthy); a stopped informer does not
 *       heal by itself, so the kubelet restarts the pod.
 *   <li>ready: the operator has started, which JOSDK does only after every informer cache has
 *       synced, and all event sources are healthy. With leader election a standby replica syncs
 *       its caches too and is ready while it waits for the lease.
 * </ul>
 */
public final class OperatorHealth {
  private final Operator operator;

  public OperatorHealth(Operator operator) {
    this.operator = operator;
  }

  public HttpEndpoints.Check liveness() {
    return () -> {
      RuntimeInfo info = operator.getRuntimeInfo();
      if (!info.isStarted()) {
        return Optional.empty(); // starting up (or stopping): alive; readiness says the rest
      }
      return describe(info.unhealthyInformerWrappingEventSourceHealthIndicator());
    };
  }

  public HttpEndpoints.Check readiness() {
    return () -> {
      RuntimeInfo info = operator.getRuntimeInfo();
      if (!info.isStarted()) {
        return Optional.of("not ready: informer caches are not synced yet");
      }
      if (!info.allEventSourcesAreHealthy()) {
        return describe(info.unhealthyEventSources()).or(() -> Optional.of("not ready: event sources unhealthy"));
      }
      return Optional.empty();
    };
  }

  private static Optional<String> describe(Map<String, ? extends Map<String, ?>> byController) {
    Map<String, String> bad = new TreeMap<>();
    byController.forEach((controller, sources) -> sources.keySet().forEach(s -> bad.put(controller + "/" + s, "unhealthy")));
    if (bad.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of("unhealthy event sources: " + String.join(", ", bad.keySet()));
  }
}
