package io.pullsecrets.operator.reconciler;

import io.pullsecrets.operator.cluster.ClusterView;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.ClusterRegistryCredential;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The operator's informers (namespaces, ServiceAccounts, managed Secrets) and which credentials
 * each of their events concerns: the cluster as the reconciler sees it. They belong to the
 * RegistryCredential controller; ClusterRegistryCredentials an event concerns are woken through
 * {@link ClusterWakeups}.
 * An event in one namespace is mapped only to the credentials that target it (see
 * {@link TargetIndex}), and edits that cannot matter are not events at all.
 */
final class Informers implements ClusterView {
  /** fabric8's informers index every cache by namespace under this name. */
  private static final String BY_NAMESPACE = io.fabric8.kubernetes.client.informers.cache.Cache.NAMESPACE_INDEX;
  /**
   * Objects per page of an informer's list (kubectl's chunk size). Unpaged, a restart at 100,000
   * managed Secrets read them all in one response, whole (data, managedFields), before the item
   * store slimmed one: more than the heap of a 512Mi pod. Paged, each page is slimmed as it comes.
   */
  static final long LIST_PAGE = 500;

  private final IndexedResourceCache<RegistryCredential> primaries;
  private final TargetIndex index;
  private final InformerEventSource<Namespace, RegistryCredential> namespaces;
  private final InformerEventSource<ServiceAccount, RegistryCredential> serviceAccounts;
  private final InformerEventSource<Secret, RegistryCredential> managedSecrets;
  /** The compact store of the managed-Secret informer, indexed by credential uid (none with several informers). */
  private final ManagedSecretStore managedSecretStore;
  /** Who else waits for a managed Secret's name (see {@link ConflictClaims}). */
  private final Function<ResourceID, Set<ResourceID>> claimants;
  private final ClusterWakeups wakeups;
  /** The ClusterRegistryCredentials (none when their controller is not registered). */
  private final Supplier<List<ClusterRegistryCredential>> clusterCredentials;

  Informers(EventSourceContext<RegistryCredential> context, TargetIndex index,
      Function<ResourceID, Set<ResourceID>> claimants, ClusterWakeups wakeups,
      Supplier<List<ClusterRegistryCredential>> clusterCredentials) {
    this.primaries = context.getPrimaryCache();
    this.index = index;
    this.claimants = claimants;
    this.wakeups = wakeups;
    this.clusterCredentials = clusterCredentials;
    namespaces = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Namespace.class, RegistryCredential.class)
            .withName("namespaces")
            .withWatchAllNamespaces()
            .withInformerListLimit(LIST_PAGE)
            .withItemStore(new TransformingItemStore<>(CacheTransforms::cacheNamespace))
            .withPrimaryToSecondaryMapper(rc -> idsOf(namespaces().stream()))
            .withSecondaryToPrimaryMapper(ns -> {
              String name = ns.getMetadata().getName();
              if (namespace(name).isPresent()) {
                // Added or changed: whether it is a target is resolved for this namespace alone.
                index.namespaceChanged(name);
              } else {
                // Gone: every credential gets a full pass.
                index.namespacesChanged();
              }
              clusterCredentials.get().forEach(rc -> wakeups.wake(ResourceID.fromResource(rc)));
              return primaries.list().map(ResourceID::fromResource).collect(Collectors.toSet());
            })
            .build(),
        context);
    // JOSDK gives the one item store to every informer it makes for the watched namespaces, and an
    // informer's (re)list removes from its store what its own namespace lacks: with several watched
    // namespaces, one informer's list would drop the others' objects. So the compact stores are
    // used only where there is one informer (all namespaces, or one); a namespaced install with
    // several keeps whole objects (SecretDigests.holdsExactly reads both forms).
    boolean oneInformer = context.getControllerConfiguration().getEffectiveNamespaces().size() <= 1;
    var serviceAccountConfig = InformerEventSourceConfiguration.from(ServiceAccount.class, RegistryCredential.class)
        .withName("service-accounts")
        .withNamespacesInheritedFromController()
        .withInformerListLimit(LIST_PAGE)
        .withOnUpdateFilter(this::relevantChange)
        .withPrimaryToSecondaryMapper(this::serviceAccountsOf)
        .withSecondaryToPrimaryMapper(this::credentialsFor);
    if (oneInformer) {
      serviceAccountConfig.withItemStore(new TransformingItemStore<>(CacheTransforms::cacheServiceAccount));
    }
    serviceAccounts = new InformerEventSource<>(serviceAccountConfig.build(), context);
    var managedSecretConfig = InformerEventSourceConfiguration.from(Secret.class, RegistryCredential.class)
        .withName("managed-secrets")
        .withNamespacesInheritedFromController()
        .withInformerListLimit(LIST_PAGE)
        .withLabelSelector(Labels.MANAGED_SELECTOR)
        .withPrimaryToSecondaryMapper((RegistryCredential rc) -> idsOf(managedSecretsOf(rc.getMetadata().getUid()).stream()))
        .withSecondaryToPrimaryMapper(this::ownersOf);
    if (oneInformer) {
      // Anyone can put the label on their own Secrets: cache a digest of the data, not the data.
      managedSecretStore = new ManagedSecretStore();
      managedSecretConfig.withItemStore(managedSecretStore);
    } else {
      managedSecretStore = null;
    }
    managedSecrets = new InformerEventSource<>(managedSecretConfig.build(), context);
    if (managedSecretStore == null) {
      managedSecrets.addIndexers(Map.of(Labels.CREDENTIAL_UID, s -> {
        String uid = s.getMetadata().getLabels() == null ? null : s.getMetadata().getLabels().get(Labels.CREDENTIAL_UID);
        return uid == null ? List.of() : List.of(uid);
      }));
    }
  }

  /*
   * Each informer is given the primary-to-secondary direction as a function of the caches: without
   * one, JOSDK keeps its own index of it (a ResourceID per credential and object: 100,000 per
   * informer at 5,000 namespaces x 20 credentials) and calls the secondary-to-primary mapper a
   * second time on every event. The reconciler reads the caches through ClusterView, not through
   * Context.getSecondaryResources; these answer correctly all the same.
   */

  private static Set<ResourceID> idsOf(java.util.stream.Stream<? extends io.fabric8.kubernetes.api.model.HasMetadata> objects) {
    return objects.map(ResourceID::fromResource).collect(Collectors.toSet());
  }

  /** The ServiceAccounts a credential may patch: those of the namespaces it targets (as of its last full pass) and its own. */
  private Set<ResourceID> serviceAccountsOf(RegistryCredential rc) {
    Set<String> namespaces = new HashSet<>(index.targets(ResourceID.fromResource(rc)));
    namespaces.add(rc.sourceNamespace());
    return idsOf(namespaces.stream().flatMap(ns -> serviceAccounts(ns).stream()));
  }

  List<EventSource<?, RegistryCredential>> eventSources() {
    return List.of(namespaces, serviceAccounts, managedSecrets);
  }

  /**
   * A ServiceAccount update matters when what it references, its token opt-in or its existence
   * changed, or its labels when some RegistryCredential selects ServiceAccounts by label; any
   * other edit reconciles nothing.
   */
  boolean relevantChange(ServiceAccount now, ServiceAccount before) {
    return !Objects.equals(now.getImagePullSecrets(), before.getImagePullSecrets())
        || !Objects.equals(optIn(now), optIn(before))
        || now.getMetadata().getDeletionTimestamp() != null
        || (!Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels()) && anySelectsByLabel());
  }

  private boolean anySelectsByLabel() {
    return java.util.stream.Stream.concat(primaries.list(), clusterCredentials.get().stream())
        .anyMatch(rc -> rc.getSpec() != null && rc.getSpec().getServiceAccounts() != null
            && rc.getSpec().getServiceAccounts().getSelector() != null);
  }

  private static String optIn(ServiceAccount sa) {
    Map<String, String> annotations = sa.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(Labels.ALLOWED_CREDENTIALS_ANNOTATION);
  }

  /**
   * The credentials that target the ServiceAccount's namespace (told that it was touched), and
   * those whose source namespace it is (a token opt-in there may concern them).
   */
  private Set<ResourceID> credentialsFor(ServiceAccount sa) {
    String ns = sa.getMetadata().getNamespace();
    Set<ResourceID> ids = new HashSet<>(index.touch(ns));
    java.util.stream.Stream.concat(primaries.list(ns), clusterCredentials.get().stream().filter(rc -> ns.equals(rc.sourceNamespace())))
        .forEach(rc -> {
          ResourceID id = ResourceID.fromResource(rc);
          index.touch(id, ns);
          ids.add(id);
        });
    return wakeups.route(ids);
  }

  /**
   * The credential named on a managed Secret ({@code namespace/name}, or a ClusterRegistryCredential's
   * name), plus any waiting for that Secret's name; each is told that the Secret's namespace was touched.
   */
  private Set<ResourceID> ownersOf(Secret s) {
    Set<ResourceID> ids = new HashSet<>();
    String owner = s.getMetadata().getAnnotations() == null ? null : s.getMetadata().getAnnotations().get(Labels.OWNER_ANNOTATION);
    if (owner != null && owner.contains("/")) {
      ids.add(new ResourceID(owner.substring(owner.indexOf('/') + 1), owner.substring(0, owner.indexOf('/'))));
    } else if (owner != null && !owner.isEmpty()) {
      ids.add(new ResourceID(owner));
    }
    ids.addAll(claimants.apply(ResourceID.fromResource(s)));
    ids.forEach(id -> index.touch(id, s.getMetadata().getNamespace()));
    return wakeups.route(ids);
  }

  @Override
  public List<CredentialResource<?>> credentials() {
    List<CredentialResource<?>> all = new java.util.ArrayList<>(primaries.list().toList());
    all.addAll(clusterCredentials.get());
    return all;
  }

  /** Every namespace the operator sees (a walk over all of them). */
  Collection<Namespace> namespaces() {
    return namespaces.list(n -> true).toList();
  }

  @Override
  public Optional<Namespace> namespace(String name) {
    return namespaces.get(new ResourceID(name));
  }

  @Override
  public Optional<ServiceAccount> serviceAccount(String namespace, String name) {
    return serviceAccounts.get(new ResourceID(name, namespace));
  }

  @Override
  public Optional<Secret> managedSecret(String namespace, String name) {
    return managedSecrets.get(new ResourceID(name, namespace));
  }

  @Override
  public List<Secret> managedSecretsOf(String credentialUid) {
    return managedSecretStore != null ? managedSecretStore.ofCredential(credentialUid)
        : managedSecrets.byIndex(Labels.CREDENTIAL_UID, credentialUid);
  }

  @Override
  public List<ServiceAccount> serviceAccounts(String namespace) {
    // By index: a namespace's service accounts without scanning the whole cache.
    return serviceAccounts.byIndex(BY_NAMESPACE, namespace);
  }
}
