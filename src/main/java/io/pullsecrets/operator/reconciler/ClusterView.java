package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.util.List;
import java.util.Optional;

/** The operator's cached view of the cluster: what its informers hold. */
public interface ClusterView {
  Optional<Namespace> namespace(String name);

  /** A Secret carrying the operator's managed-by label (only those are cached). */
  Optional<Secret> managedSecret(String namespace, String name);

  /** Managed Secrets labelled with this RegistryCredential uid. */
  List<Secret> managedSecretsOf(String credentialUid);

  List<ServiceAccount> serviceAccounts(String namespace);
}
