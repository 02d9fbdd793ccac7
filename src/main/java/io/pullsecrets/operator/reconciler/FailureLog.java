package io.pullsecrets.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Logs the writes that fail in a namespace once per burst: WARN when a credential starts failing
 * there (or fails for another reason), DEBUG while the same failure repeats on every retry, INFO
 * once when it succeeds again. The last failure logged per namespace is kept in the credential's
 * {@link CredentialState}.
 */
final class FailureLog {
  private final Logger log;
  private final CredentialStates states;

  FailureLog(Logger log, CredentialStates states) {
    this.log = log;
    this.states = states;
  }

  void failed(ResourceID credential, String ns, String message) {
    String before = failing(credential).map(f -> f.put(ns, message)).orElse(null);
    if (message.equals(before)) {
      log.debug("namespace {}: {} (again)", ns, message);
    } else {
      log.warn("namespace {}: {}", ns, message);
    }
  }

  void succeeded(ResourceID credential, String ns) {
    if (failing(credential).map(f -> f.remove(ns)).orElse(null) != null) {
      log.info("namespace {}: writes succeed again", ns);
    }
  }

  private java.util.Optional<Map<String, String>> failing(ResourceID credential) {
    return states.find(credential).map(s -> s.failing);
  }
}
