package io.pullsecrets.operator.provider.cloud;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.pullsecrets.operator.provider.ProviderException;
import java.util.Optional;

/**
 * Short-lived tokens for service accounts in a RegistryCredential's own namespace, for web
 * identity federation. The token is a credential: it never appears in messages or logs.
 * Providers do not call {@link #token} directly: {@link TokenPolicy} decides first whether the
 * service account opted in and whether the audience may be requested.
 */
public interface ServiceAccountTokens {

  /** Lifetime requested for each token; the API server's minimum is ten minutes. */
  long EXPIRATION_SECONDS = 600;

  /**
   * The service account {@code namespace/name}, read from the API server; empty when it does
   * not exist.
   *
   * @throws ProviderException NotPermitted when the operator may not read it, ProviderUnavailable otherwise
   */
  Optional<ServiceAccount> serviceAccount(String namespace, String name) throws ProviderException;

  /**
   * A token for {@code namespace/serviceAccount} with the given audience.
   *
   * @throws ProviderException SourceNotFound when the service account does not exist,
   *     NotPermitted when the operator may not request tokens, ProviderUnavailable otherwise
   */
  String token(String namespace, String serviceAccount, String audience) throws ProviderException;
}
