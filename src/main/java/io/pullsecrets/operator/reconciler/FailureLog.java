package io.pullsecrets.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Logs the writes that fail in a namespace once per burst: WARN when a credential starts failing
 * there (or fails for another reason), DEBUG while the same failure repeats on every retry, INFO
 * once when it succeeds again.
 */
final class FailureLog {
  private record Failing(ResourceID credential, String namespace) {}

  private final Logger log;
  /** The last failure logged for a credential in a namespace, while it keeps failing. */
  private final Map<Failing, String> failing = new ConcurrentHashMap<>();

  FailureLog(Logger log) {
    this.log = log;
  }

  void failed(ResourceID credential, String ns, String message) {
    String before = failing.put(new Failing(credential, ns), message);
    if (message.equals(before)) {
      log.debug("namespace {}: {} (again)", ns, message);
    } else {
      log.warn("namespace {}: {}", ns, message);
    }
  }

  void succeeded(ResourceID credential, String ns) {
    if (failing.remove(new Failing(credential, ns)) != null) {
      log.info("namespace {}: writes succeed again", ns);
    }
  }

  void forget(ResourceID credential) {
    failing.keySet().removeIf(f -> f.credential().equals(credential));
  }

  int size() {
    return failing.size();
  }
}
