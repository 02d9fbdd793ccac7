package io.pullsecrets.operator.provider.cloud;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.ProviderException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** {@link ServiceAccountTokens} through the TokenRequest API ({@code serviceaccounts/token}). */
public final class KubernetesServiceAccountTokens implements ServiceAccountTokens {
  private final KubernetesClient client;

  public KubernetesServiceAccountTokens(KubernetesClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  @Override
  public Optional<ServiceAccount> serviceAccount(String namespace, String name) throws ProviderException {
    String who = "service account '" + name + "' in namespace '" + namespace + "'";
    try {
      return Optional.ofNullable(client.serviceAccounts().inNamespace(namespace).withName(name).get());
    } catch (KubernetesClientException e) {
      int code = e.getCode();
      if (code == 404) {
        return Optional.empty();
      }
      if (code == 401 || code == 403) {
        throw ProviderException.transientFailure(Reasons.NOT_PERMITTED,
            "the operator may not read " + who + " (it needs RBAC get on serviceaccounts); HTTP " + code);
      }
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE,
          "reading " + who + " failed" + (code > 0 ? " with HTTP " + code : ""));
    }
  }

  @Override
  public String token(String namespace, String serviceAccount, String audience) throws ProviderException {
    if (serviceAccount == null || serviceAccount.isBlank()) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "no service account name given");
    }
    if (audience == null || audience.isBlank()) {
      // An empty audience list means the API server's own audiences: never requested.
      throw ProviderException.invalid(Reasons.INVALID_SPEC, "no token audience given");
    }
    String who = "service account '" + serviceAccount + "' in namespace '" + namespace + "'";
    TokenRequest request = new TokenRequestBuilder()
        .withNewSpec()
        .withAudiences(List.of(audience))
        .withExpirationSeconds(EXPIRATION_SECONDS)
        .endSpec()
        .build();
    TokenRequest answer;
    try {
      answer = client.serviceAccounts().inNamespace(namespace).withName(serviceAccount).tokenRequest(request);
    } catch (KubernetesClientException e) {
      int code = e.getCode();
      if (code == 404) {
        throw ProviderException.invalid(Reasons.SOURCE_NOT_FOUND, who + " not found");
      }
      if (code == 401 || code == 403) {
        throw ProviderException.transientFailure(Reasons.NOT_PERMITTED,
            "the operator may not request a token for " + who
                + " (it needs RBAC create on serviceaccounts/token); HTTP " + code);
      }
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE,
          "requesting a token for " + who + " failed" + (code > 0 ? " with HTTP " + code : ""));
    }
    String token = answer == null || answer.getStatus() == null ? null : answer.getStatus().getToken();
    if (token == null || token.isBlank()) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE,
          "the API server returned no token for " + who);
    }
    return token;
  }
}
