package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.cluster.ClusterView;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.health.HealBudget;
import io.pullsecrets.operator.health.PodHealer;
import io.pullsecrets.operator.health.PullFailureStore;
import io.pullsecrets.operator.health.PullHealthMonitor;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.reconciler.RegistryCredentialReconciler.RefreshListener;
import io.pullsecrets.operator.verify.RegistryVerifier;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.function.DoubleSupplier;

/**
 * The reconciler and its parts, each built once here and handed over by constructor; owned by
 * {@code PullSecretOperator}, the composition root. The informer caches are the one part JOSDK
 * builds later, when it prepares the event sources: {@link ClusterCaches} receives them then.
 */
public final class ReconcilerAssembly {
  private final RegistryCredentialReconciler.Namespaced reconciler;
  private final RegistryCredentialReconciler.ClusterScoped clusterReconciler;
  private final ClusterCaches cluster;
  private final CredentialMemory memory;

  /**
   * @param serverSideApply whether JOSDK writes the primary resource with server-side apply (not
   *     on fabric8's CRUD mock; see {@link StatusWriter})
   * @param conflictRecheck how often namespaces in Conflict are looked at again
   */
  public ReconcilerAssembly(KubernetesClient client, OperatorConfig config, ProviderRegistry providers, Clock clock,
      DoubleSupplier jitter, ExecutorService pool, RefreshListener listener, RegistryVerifier verifier,
      boolean serverSideApply, Duration conflictRecheck) {
    CredentialStates states = new CredentialStates();
    TargetIndex index = new TargetIndex(states);
    ClusterWakeups wakeups = new ClusterWakeups();
    SourceSecretWatcher sources = new SourceSecretWatcher(client, wakeups::wake);
    EventRecorder events = new EventRecorder(client, clock);
    ConflictClaims conflicts = new ConflictClaims();
    PullHealthMonitor pullHealth = new PullHealthMonitor(client, new PullFailureStore(), listener::pullFailures);
    this.cluster = new ClusterCaches(index, conflicts::claimantsOf, sources, pullHealth, wakeups);
    Replicator replicator = new Replicator(client, cluster, pool, events, conflicts, states);
    Credentials credentials = new Credentials(config, clock, jitter, listener, verifier, sources, states);
    Replication replication = new Replication(replicator, index, states, clock);
    this.memory = new CredentialMemory(states,
        Map.of("targetIndex", index, "sourceWatches", sources, "conflictClaims", conflicts));
    this.reconciler = new RegistryCredentialReconciler.Namespaced(config, providers, clock, listener, conflictRecheck, cluster,
        index, states, credentials, replication, events, StatusWriter.of(serverSideApply), memory, pullHealth,
        new PodHealer(client, new HealBudget(), (rc, message) -> events.normal(rc, Reasons.POD_HEALED, message)));
    this.clusterReconciler = new RegistryCredentialReconciler.ClusterScoped(reconciler);
  }

  /** The RegistryCredential controller's reconciler. */
  public RegistryCredentialReconciler.Namespaced reconciler() {
    return reconciler;
  }

  /** The ClusterRegistryCredential controller's: the same reconciler and parts, for the other kind. */
  public RegistryCredentialReconciler.ClusterScoped clusterReconciler() {
    return clusterReconciler;
  }

  /**
   * What the informers hold, for the admission webhook: reads only the caches, never the API
   * server; empty before the event sources exist.
   */
  public ClusterView cluster() {
    return cluster;
  }

  /**
   * A Secret as the operator's managed-Secret cache holds it (metadata and a digest of the data,
   * see {@link SecretDigests}); for tests and diagnostics.
   */
  public Optional<Secret> cachedManagedSecret(String namespace, String name) {
    return cluster.managedSecret(namespace, name);
  }

  /** What the operator remembers per credential, by part (for tests of forgetting). */
  public Map<String, Integer> remembered() {
    return memory.remembered();
  }
}
