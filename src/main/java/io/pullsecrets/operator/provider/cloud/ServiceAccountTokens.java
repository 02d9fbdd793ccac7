package io.pullsecrets.operator.provider.cloud;

import io.pullsecrets.operator.provider.ProviderException;

/**
 * Short-lived tokens for service accounts in a RegistryCredential's own namespace, for web
 * identity federation. The token is a credential: it never appears in messages or logs.
 */
@FunctionalInterface
public interface ServiceAccountTokens {

  /** Lifetime requested for each token; the API server's minimum is ten minutes. */
  long EXPIRATION_SECONDS = 600;

  /**
   * A token for {@code namespace/serviceAccount} with the given audience.
   *
   * @throws ProviderException SourceNotFound when the service account does not exist,
   *     NotPermitted when the operator may not request tokens, ProviderUnavailable otherwise
   */
  String token(String namespace, String serviceAccount, String audience) throws ProviderException;
}
