package io.pullsecrets.operator.reconciler;

import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.verify.RegistryVerifier;
import java.time.Instant;

/**
 * The last credential obtained for a RegistryCredential (kept in its {@link CredentialState}), so
 * that a reconcile caused by a namespace or a service account does not call the provider again.
 * An entry is reused while its inputs (generation, refresh annotation, source Secret versions) are
 * unchanged and its refresh is not yet due.
 */
public final class CredentialCache {

  /**
   * @param credential what the provider returned
   * @param inputs fingerprint of the inputs it was obtained from
   * @param obtainedAt when
   * @param nextRefresh when to obtain a new one (null: only when the inputs change)
   * @param verified the registry's answer to the credential (null: not asked)
   */
  public record Entry(Credential credential, String inputs, Instant obtainedAt, Instant nextRefresh,
      RegistryVerifier.Result verified) {
    public boolean reusable(String currentInputs, Instant now) {
      return inputs.equals(currentInputs) && (nextRefresh == null || now.isBefore(nextRefresh)) && !expired(now);
    }

    public boolean expired(Instant now) {
      return credential.expiresAt() != null && !now.isBefore(credential.expiresAt());
    }
  }
}
