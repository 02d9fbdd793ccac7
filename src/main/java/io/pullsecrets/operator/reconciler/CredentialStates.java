package io.pullsecrets.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one holder of per-credential state: a {@link CredentialState} per RegistryCredential, keyed
 * by its {@link ResourceID} (namespace and name). That is the identity every caller has: JOSDK
 * events, the informers' mappers, the target index and the source watches all name a credential
 * so, and a Secret's owner annotation does too. The uid is kept in the state: a credential
 * re-created under the same name (another uid) never sees what its predecessor left.
 */
final class CredentialStates implements PerCredential {
  private final Map<ResourceID, CredentialState> states = new ConcurrentHashMap<>();

  /** The state of {@code rc}, created on first use, or afresh when the one held is of another uid. */
  CredentialState of(CredentialResource<?> rc) {
    String uid = rc.getMetadata().getUid();
    return states.compute(ResourceID.fromResource(rc), (id, s) -> {
      if (s != null && java.util.Objects.equals(s.uid, uid)) {
        return s;
      }
      CredentialState fresh = new CredentialState(uid);
      // What the target index holds for this name is the predecessor's; the next full pass replaces it.
      fresh.targets = s == null ? null : s.targets;
      return fresh;
    });
  }

  /** The state of a credential, without creating one (events may name a credential that is gone). */
  Optional<CredentialState> find(ResourceID id) {
    return Optional.ofNullable(states.get(id));
  }

  /** Runs {@code action} on every state held. */
  void forEach(java.util.function.Consumer<CredentialState> action) {
    states.values().forEach(action);
  }

  @Override
  public void forget(CredentialResource<?> rc) {
    states.remove(ResourceID.fromResource(rc));
  }

  @Override
  public int remembered() {
    return states.size();
  }
}
