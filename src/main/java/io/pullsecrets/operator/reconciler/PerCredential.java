package io.pullsecrets.operator.reconciler;

import io.pullsecrets.operator.api.RegistryCredential;

/**
 * A part of the operator that remembers something about individual RegistryCredentials (a cache
 * entry, a backoff, a pass, an index entry, a watch). Every such part is registered in
 * {@link CredentialMemory}, which forgets a deleted credential in all of them at once.
 */
interface PerCredential {
  /** Forgets everything about {@code rc}: it is gone. */
  void forget(RegistryCredential rc);

  /** How many entries this part holds, reverse indexes included: 0 once every credential is forgotten. */
  int remembered();
}
