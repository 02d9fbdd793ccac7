package io.pullsecrets.operator.provider;

import io.pullsecrets.operator.api.ProviderKind;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BiConsumer;

/**
 * One source of registry credentials. Implementations live in their own package, get their
 * clients through their constructor, and are registered in {@link ProviderRegistry}; the
 * reconciler only ever sees this interface.
 */
public interface CredentialProvider {

  /** The field under {@code spec.provider} this provider handles. */
  ProviderKind kind();

  /** The provider's name in status, metrics and logs: its field's name, e.g. {@code static}. */
  default String name() {
    return kind().field();
  }

  /**
   * Obtains a credential. Called once per refresh of one RegistryCredential, whatever the number
   * of target namespaces. Messages of thrown exceptions must never contain secret material.
   */
  Credential fetch(ProviderRequest request) throws ProviderException;

  /**
   * The credential is being deleted and its Secrets are removed: give back what {@link #fetch}
   * made at the provider (e.g. revoke a token it created). Returns null when done, else when to
   * call again. A provider bounds its own attempts (the finalizer must not wedge) and, when it
   * gives up, says so through {@code warn(reason, message)}.
   */
  default Duration release(CredentialResource<?> resource, Instant now, BiConsumer<String, String> warn) {
    return null;
  }
}
