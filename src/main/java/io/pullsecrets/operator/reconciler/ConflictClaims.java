package io.pullsecrets.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which RegistryCredentials found a Secret of their name held by someone else: they are woken when
 * that Secret changes or goes ({@link Informers}), and read it afresh on their next write, since
 * foreign Secrets are not cached.
 */
final class ConflictClaims implements PerCredential {
  /** Secret (namespace/name) to the RegistryCredentials waiting for it. */
  private final Map<ResourceID, Set<ResourceID>> waiting = new ConcurrentHashMap<>();

  /** {@code credential} found {@code secret} held by someone else. */
  void claim(ResourceID secret, ResourceID credential) {
    waiting.computeIfAbsent(secret, k -> ConcurrentHashMap.newKeySet()).add(credential);
  }

  /** {@code credential} holds {@code secret} now (or no longer wants it). */
  void release(ResourceID secret, ResourceID credential) {
    Set<ResourceID> s = waiting.get(secret);
    if (s != null) {
      s.remove(credential);
    }
  }

  boolean isClaimant(ResourceID secret, ResourceID credential) {
    return waiting.getOrDefault(secret, Set.of()).contains(credential);
  }

  /** The RegistryCredentials waiting for {@code secret}. */
  Set<ResourceID> claimantsOf(ResourceID secret) {
    return Set.copyOf(waiting.getOrDefault(secret, Set.of()));
  }

  /** Forgets every claim of a RegistryCredential (it was deleted). */
  @Override
  public void forget(CredentialResource<?> rc) {
    ResourceID credential = ResourceID.fromResource(rc);
    waiting.values().forEach(s -> s.remove(credential));
    waiting.entrySet().removeIf(e -> e.getValue().isEmpty());
  }

  /** Secrets with at least one claimant (for tests of forgetting). */
  @Override
  public int remembered() {
    waiting.entrySet().removeIf(e -> e.getValue().isEmpty());
    return waiting.size();
  }
}
