package io.pullsecrets.operator.reconciler;

import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.reconciler.Replicator.NamespaceResult;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything the operator remembers about one RegistryCredential, in one object held by
 * {@link CredentialStates}: forgetting the credential drops it whole, so a new field here cannot be
 * forgotten. Each phase reads and writes its own fields; the reverse indexes (namespace to
 * credentials, Secret to claimants, source Secret to readers) stay with their owners and are
 * cleaned by {@link CredentialMemory}.
 */
final class CredentialState {
  /** The credential's uid: a credential re-created under the same name starts afresh. */
  final String uid;
  /** Phase 3: the last credential obtained (null: none yet). */
  volatile CredentialCache.Entry credential;
  /** Phase 3: a failed fetch backing off. */
  final Backoff<ProviderException> fetchBackoff = new Backoff<>();
  /** Phases 4 and 5: the last full pass, kept up to date by incremental passes (null: none). */
  volatile Replication.Pass pass;
  /** Phase 4: namespaces whose writes failed, backing off. */
  final Backoff<NamespaceResult> syncBackoff = new Backoff<>();
  /** Phase 5: namespaces where removing a Secret failed, backing off. */
  final Backoff<NamespaceResult> cleanupBackoff = new Backoff<>();
  /** The namespaces targeted at the last full pass (null: none yet); {@link TargetIndex} keeps the reverse. */
  volatile Set<String> targets;
  /** Namespaces with events since the last reconcile. */
  final Set<String> touched = ConcurrentHashMap.newKeySet();
  /** Namespaces whose writes keep failing, with the last failure logged ({@link FailureLog}). */
  final Map<String, String> failing = new ConcurrentHashMap<>();

  CredentialState(String uid) {
    this.uid = uid;
  }
}
