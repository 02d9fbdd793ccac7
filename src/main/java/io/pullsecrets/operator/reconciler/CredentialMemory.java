package io.pullsecrets.operator.reconciler;

import io.pullsecrets.operator.api.RegistryCredential;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything the operator remembers per RegistryCredential, named: the one place a deleted
 * credential is forgotten. A part that keeps per-credential state and is not listed here would
 * grow with every credential ever created; {@code CredentialMemoryTest} creates and deletes a
 * thousand and checks that every part is empty again.
 */
final class CredentialMemory {
  private final Map<String, PerCredential> parts;

  CredentialMemory(Map<String, PerCredential> parts) {
    this.parts = new LinkedHashMap<>(parts);
  }

  /** Forgets {@code rc} in every part. */
  void forget(RegistryCredential rc) {
    parts.values().forEach(p -> p.forget(rc));
  }

  /** Each part's entries, by name. */
  Map<String, Integer> remembered() {
    Map<String, Integer> out = new LinkedHashMap<>();
    parts.forEach((name, part) -> out.put(name, part.remembered()));
    return out;
  }
}
