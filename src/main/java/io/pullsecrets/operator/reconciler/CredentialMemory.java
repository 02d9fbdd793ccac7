package io.pullsecrets.operator.reconciler;

import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything the operator remembers per RegistryCredential: the one holder of per-credential state
 * ({@link CredentialStates}) and the reverse indexes that point back at credentials (keyed by
 * namespace or Secret, so they cannot live in a credential's state), named. The one place a
 * deleted credential is forgotten: the indexes first (they read its state to find its entries),
 * then its state. {@code CredentialMemoryTest} creates and deletes a thousand credentials and
 * checks that every part is empty again.
 */
final class CredentialMemory {
  static final String STATES = "states";
  private final CredentialStates states;
  private final Map<String, PerCredential> indexes;

  CredentialMemory(CredentialStates states, Map<String, PerCredential> indexes) {
    this.states = states;
    this.indexes = new LinkedHashMap<>(indexes);
  }

  /** Forgets {@code rc} everywhere. */
  void forget(CredentialResource<?> rc) {
    indexes.values().forEach(p -> p.forget(rc));
    states.forget(rc);
  }

  /** Each part's entries, by name: the holder ({@value #STATES}) and every index. */
  Map<String, Integer> remembered() {
    Map<String, Integer> out = new LinkedHashMap<>();
    out.put(STATES, states.remembered());
    indexes.forEach((name, part) -> out.put(name, part.remembered()));
    return out;
  }
}
