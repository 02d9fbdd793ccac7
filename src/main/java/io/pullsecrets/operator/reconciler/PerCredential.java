package io.pullsecrets.operator.reconciler;

import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;

/**
 * A part of the operator that remembers something about individual RegistryCredentials: the
 * holder of their state ({@link CredentialStates}) or an index that points back at them. Every
 * such part is registered in {@link CredentialMemory}, which forgets a deleted credential in all
 * of them at once.
 */
interface PerCredential {
  /** Forgets everything about {@code rc}: it is gone. */
  void forget(CredentialResource<?> rc);

  /** How many entries this part holds: 0 once every credential is forgotten. */
  int remembered();
}
