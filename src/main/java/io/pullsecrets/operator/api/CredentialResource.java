package io.pullsecrets.operator.api;

import io.fabric8.kubernetes.client.CustomResource;

/**
 * What the reconciler, the admission webhook and pull health work on: a {@link RegistryCredential}
 * (namespaced) or a {@link ClusterRegistryCredential} (cluster-scoped). Both have the same spec
 * (the cluster kind adds the namespace its sources are read from) and the same status; what
 * differs between them is said here, so that one code path serves both.
 *
 * @param <S> the spec: {@link RegistryCredentialSpec} or its cluster form
 */
public abstract class CredentialResource<S extends RegistryCredentialSpec> extends CustomResource<S, RegistryCredentialStatus> {

  /**
   * The namespace its source Secrets (and the ServiceAccounts it may request tokens for) belong to:
   * a RegistryCredential's own namespace; a ClusterRegistryCredential's {@code spec.sourceNamespace},
   * which {@code SpecCheck} requires to be one an administrator allowed.
   */
  public abstract String sourceNamespace();

  /** Whether it is the cluster-scoped kind: no namespace of its own, trusted because RBAC lets only administrators create it. */
  public boolean clusterScoped() {
    return getMetadata().getNamespace() == null;
  }

  /**
   * What the managed Secrets' owner annotation names: {@code namespace/name}, or the name alone
   * for the cluster kind (a namespace name never lacks the slash, so the two cannot be mistaken).
   */
  public String ownerKey() {
    return clusterScoped() ? getMetadata().getName() : getMetadata().getNamespace() + "/" + getMetadata().getName();
  }

  /** {@code RegistryCredential team-a/pull} or {@code ClusterRegistryCredential pull}, for messages. */
  public String describe() {
    return getKind() + " " + ownerKey();
  }
}
