package io.pullsecrets.operator.provider;

/**
 * One source of registry credentials. Implementations live in their own package, get their
 * clients through their constructor, and are registered in {@link ProviderRegistry}; the
 * reconciler only ever sees this interface.
 */
public interface CredentialProvider {

  /** The field name under {@code spec.provider} this provider handles, e.g. {@code static}. */
  String name();

  /**
   * Obtains a credential. Called once per refresh of one RegistryCredential, whatever the number
   * of target namespaces. Messages of thrown exceptions must never contain secret material.
   */
  Credential fetch(ProviderRequest request) throws ProviderException;
}
