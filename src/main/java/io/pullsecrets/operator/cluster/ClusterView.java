package io.pullsecrets.operator.cluster;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.util.List;
import java.util.Optional;

/**
 * The operator's cached view of the cluster, read-only: what its informers hold. The replicator
 * and the admission webhook read the same view; neither asks the API server through it. Before the
 * informers exist, it is empty ({@link #EMPTY}).
 */
public interface ClusterView {
  /** Every RegistryCredential the operator sees. */
  List<CredentialResource<?>> credentials();

  Optional<Namespace> namespace(String name);

  Optional<ServiceAccount> serviceAccount(String namespace, String name);

  List<ServiceAccount> serviceAccounts(String namespace);

  /** A Secret carrying the operator's managed-by label (only those are cached). */
  Optional<Secret> managedSecret(String namespace, String name);

  /** Managed Secrets labelled with this RegistryCredential uid. */
  List<Secret> managedSecretsOf(String credentialUid);

  /** Nothing cached yet. */
  ClusterView EMPTY = new ClusterView() {
    @Override
    public List<CredentialResource<?>> credentials() {
      return List.of();
    }

    @Override
    public Optional<Namespace> namespace(String name) {
      return Optional.empty();
    }

    @Override
    public Optional<ServiceAccount> serviceAccount(String namespace, String name) {
      return Optional.empty();
    }

    @Override
    public List<ServiceAccount> serviceAccounts(String namespace) {
      return List.of();
    }

    @Override
    public Optional<Secret> managedSecret(String namespace, String name) {
      return Optional.empty();
    }

    @Override
    public List<Secret> managedSecretsOf(String credentialUid) {
      return List.of();
    }
  };
}
