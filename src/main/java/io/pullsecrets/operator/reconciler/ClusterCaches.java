package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.pullsecrets.operator.api.ClusterRegistryCredential;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.cluster.ClusterView;
import io.pullsecrets.operator.health.PullHealthMonitor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The one read-only view of the cluster that the replicator, the spec check and the admission
 * webhook read. JOSDK builds informers only when the controller prepares its event sources, after
 * everything else is assembled: this is the one dependency that arrives late. The caches are set
 * once, by {@link #eventSources}; until then the view is empty ({@link ClusterView#EMPTY}).
 */
final class ClusterCaches implements ClusterView {
  private final TargetIndex index;
  private final Function<ResourceID, Set<ResourceID>> claimants;
  private final SourceSecretWatcher sources;
  private final PullHealthMonitor pullHealth;
  private final ClusterWakeups wakeups;
  private final AtomicReference<Informers> informers = new AtomicReference<>();
  private final AtomicReference<IndexedResourceCache<ClusterRegistryCredential>> clusterCredentials = new AtomicReference<>();

  ClusterCaches(TargetIndex index, Function<ResourceID, Set<ResourceID>> claimants, SourceSecretWatcher sources,
      PullHealthMonitor pullHealth, ClusterWakeups wakeups) {
    this.index = index;
    this.claimants = claimants;
    this.sources = sources;
    this.pullHealth = pullHealth;
    this.wakeups = wakeups;
  }

  /**
   * Builds the informers (once) and returns every event source of the RegistryCredential
   * controller; events that concern ClusterRegistryCredentials go to {@link ClusterWakeups}.
   */
  List<EventSource<?, RegistryCredential>> eventSources(EventSourceContext<RegistryCredential> context) {
    Informers created = new Informers(context, index, claimants, wakeups, this::clusterCredentials);
    if (!informers.compareAndSet(null, created)) {
      throw new IllegalStateException("the informers are built once");
    }
    List<EventSource<?, RegistryCredential>> all = new ArrayList<>(created.eventSources());
    all.add(sources);
    all.addAll(pullHealth.eventSources(context, RegistryCredential.class, ns -> wakeups.route(index.targeting(ns))));
    return all;
  }

  /**
   * The ClusterRegistryCredential controller's event sources: only {@link ClusterWakeups}, since
   * it shares the informers above; its primary cache is kept for the webhook and the events.
   */
  List<EventSource<?, ClusterRegistryCredential>> clusterEventSources(EventSourceContext<ClusterRegistryCredential> context) {
    if (!clusterCredentials.compareAndSet(null, context.getPrimaryCache())) {
      throw new IllegalStateException("the cluster credentials' cache is set once");
    }
    return List.of(wakeups);
  }

  /** Every ClusterRegistryCredential (none when their controller is not registered). */
  List<ClusterRegistryCredential> clusterCredentials() {
    IndexedResourceCache<ClusterRegistryCredential> cache = clusterCredentials.get();
    return cache == null ? List.of() : cache.list().toList();
  }

  private ClusterView current() {
    Informers i = informers.get();
    return i == null ? ClusterView.EMPTY : i;
  }

  /** Every namespace the operator sees (a walk over all of them; none before the caches exist). */
  Collection<Namespace> namespaces() {
    Informers i = informers.get();
    return i == null ? List.of() : i.namespaces();
  }

  @Override
  public List<CredentialResource<?>> credentials() {
    return current().credentials();
  }

  @Override
  public Optional<Namespace> namespace(String name) {
    return current().namespace(name);
  }

  @Override
  public Optional<ServiceAccount> serviceAccount(String namespace, String name) {
    return current().serviceAccount(namespace, name);
  }

  @Override
  public List<ServiceAccount> serviceAccounts(String namespace) {
    return current().serviceAccounts(namespace);
  }

  @Override
  public Optional<Secret> managedSecret(String namespace, String name) {
    return current().managedSecret(namespace, name);
  }

  @Override
  public List<Secret> managedSecretsOf(String credentialUid) {
    return current().managedSecretsOf(credentialUid);
  }
}
