package io.pullsecrets.operator.provider.gitlab;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.provider.ProviderException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Where a {@link TokenState} is kept: a Secret of the operator's in the RegistryCredential's own
 * namespace, named {@code pullsecret-gitlab-<uid>}, key {@value #KEY}. It holds the pull token
 * (which the credential's namespace receives anyway), never the admin token. It carries no
 * managed-by label: it is not a replicated Secret.
 */
interface TokenStore {
  String KEY = "state";
  String LABEL = "pullsecrets.io/gitlab-token-of";

  /** The state, or null when there is none (or it is not a state). */
  TokenState read(CredentialResource<?> rc) throws ProviderException;

  /** Writes the state durably; an exception means it may not be written. */
  void write(CredentialResource<?> rc, TokenState state) throws ProviderException;

  /** Removes the state (absent: nothing to do). */
  void delete(CredentialResource<?> rc);

  static String secretName(CredentialResource<?> rc) {
    return "pullsecret-gitlab-" + rc.getMetadata().getUid();
  }

  /** The store on the API server. */
  static TokenStore kubernetes(KubernetesClient client) {
    return new TokenStore() {
      @Override
      public TokenState read(CredentialResource<?> rc) throws ProviderException {
        Secret s;
        try {
          s = client.secrets().inNamespace(rc.sourceNamespace()).withName(secretName(rc)).get();
        } catch (KubernetesClientException e) {
          throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "the GitLab token state could not be"
              + " read (HTTP " + e.getCode() + ")");
        }
        if (s == null || s.getData() == null || s.getData().get(KEY) == null) {
          return null;
        }
        try {
          return TokenState.parse(new String(Base64.getDecoder().decode(s.getData().get(KEY)), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          return null;
        }
      }

      @Override
      public void write(CredentialResource<?> rc, TokenState state) throws ProviderException {
        Secret s = new SecretBuilder().withNewMetadata().withName(secretName(rc)).withNamespace(rc.sourceNamespace())
            .withLabels(Map.of(LABEL, rc.getMetadata().getUid())).endMetadata().withType("Opaque")
            .withData(Map.of(KEY, Base64.getEncoder().encodeToString(state.toJson().getBytes(StandardCharsets.UTF_8))))
            .build();
        try {
          client.secrets().inNamespace(rc.sourceNamespace()).resource(s).createOr(NonDeletingOperation::update);
        } catch (KubernetesClientException e) {
          throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "the GitLab token state could not be"
              + " written (HTTP " + e.getCode() + ")");
        }
      }

      @Override
      public void delete(CredentialResource<?> rc) {
        try {
          client.secrets().inNamespace(rc.sourceNamespace()).withName(secretName(rc)).delete();
        } catch (KubernetesClientException e) {
          // Gone with its namespace, or left for the namespace's deletion: it names a revoked token.
        }
      }
    };
  }
}
