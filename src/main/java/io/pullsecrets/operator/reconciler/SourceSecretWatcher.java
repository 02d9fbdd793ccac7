package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches exactly the source Secrets that RegistryCredentials read, one name-scoped informer per
 * Secret, so that a change to a source refreshes its credentials at once without caching the
 * cluster's other Secrets. An informer lives while some RegistryCredential uses its Secret.
 *
 * <p>The cache keeps a source Secret's name, namespace, uid and resourceVersion, never its data,
 * labels or annotations (see {@link #slim}): a tenant's source Secrets can be large, and the
 * tenant decides how many there are. Whether a source changed is decided by its resourceVersion
 * alone (as before); the value a provider reads is fetched with one GET by name when it reads it,
 * which happens only when the credential is fetched (its inputs changed or its refresh is due).
 *
 * <p>No lock is held while an informer starts: each source has its own start, and a caller waits
 * only for the sources it reads itself. A source whose watch is slow or refused never delays a
 * credential that does not read it.
 */
public final class SourceSecretWatcher extends AbstractEventSource<Secret, RegistryCredential> implements PerCredential {
  private static final Logger LOG = LoggerFactory.getLogger(SourceSecretWatcher.class);

  /** How long the first list and watch of a source Secret may take. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final KubernetesClient client;
  /** Watched Secret to its informer and readers; an entry changes only inside the map's compute. */
  private final Map<ResourceID, Source> sources = new ConcurrentHashMap<>();
  /** RegistryCredential to the Secrets it reads. */
  private final Map<ResourceID, Set<ResourceID>> usedBy = new ConcurrentHashMap<>();

  /** Readers without a namespace (ClusterRegistryCredentials) are told of changes here, not by this event source. */
  private final java.util.function.Consumer<ResourceID> clusterScopedReaders;

  public SourceSecretWatcher(KubernetesClient client) {
    this(client, id -> {});
  }

  /**
   * @param clusterScopedReaders wakes a ClusterRegistryCredential that reads a changed Secret (this
   *     event source belongs to the RegistryCredential controller)
   */
  public SourceSecretWatcher(KubernetesClient client, java.util.function.Consumer<ResourceID> clusterScopedReaders) {
    super(Secret.class, "source-secrets");
    this.client = client;
    this.clusterScopedReaders = clusterScopedReaders;
  }

  /**
   * The current Secret, watching it for {@code user} from now on: empty when the watch has not
   * seen it, otherwise read from the API server (the cache does not keep the data).
   */
  public Optional<Secret> get(ResourceID user, String namespace, String name) {
    ResourceID secret = new ResourceID(name, namespace);
    usedBy.computeIfAbsent(user, k -> ConcurrentHashMap.newKeySet()).add(secret);
    Source source = sources.compute(secret, (k, s) -> {
      // A source whose start failed is watched afresh, for the readers it had.
      Source out = s == null || s.failed() ? new Source(k) : s;
      if (s != null && out != s) {
        out.users.addAll(s.users);
      }
      out.users.add(user);
      return out;
    });
    source.awaitStarted();
    if (source.informer.getStore().getByKey(namespace + "/" + name) == null) {
      return Optional.empty();
    }
    // Possibly newer than the cached version: the provider's read records the version it got, and
    // a cache that catches up later only means one more fetch.
    return Optional.ofNullable(client.secrets().inNamespace(namespace).withName(name).get());
  }

  /** What the cache holds of a watched Secret (identity and version only), for tests. */
  Optional<Secret> cached(String namespace, String name) {
    Source source = sources.get(new ResourceID(name, namespace));
    return source == null ? Optional.empty() : Optional.ofNullable(source.informer.getStore().getByKey(namespace + "/" + name));
  }

  /**
   * A source Secret as the cache keeps it: name, namespace, uid and resourceVersion. Its data,
   * labels, annotations and managedFields (all tenant-sized) are dropped.
   */
  static Secret slim(Secret s) {
    return new SecretBuilder().withApiVersion(s.getApiVersion()).withKind(s.getKind())
        .withNewMetadata()
        .withName(s.getMetadata().getName())
        .withNamespace(s.getMetadata().getNamespace())
        .withUid(s.getMetadata().getUid())
        .withResourceVersion(s.getMetadata().getResourceVersion())
        .endMetadata()
        .build();
  }

  /** The resourceVersion of a watched Secret, or "" when it does not exist. */
  public String version(String namespace, String name) {
    Source source = sources.get(new ResourceID(name, namespace));
    if (source == null) {
      return "";
    }
    Secret s = source.informer.getStore().getByKey(namespace + "/" + name);
    return s == null ? "" : s.getMetadata().getResourceVersion();
  }

  /** Stops watching, for {@code user}, every Secret not in {@code keep}. */
  public void retainOnly(ResourceID user, Set<ResourceID> keep) {
    Set<ResourceID> used = usedBy.getOrDefault(user, Set.of());
    for (ResourceID secret : Set.copyOf(used)) {
      if (!keep.contains(secret)) {
        used.remove(secret);
        release(user, secret);
      }
    }
    usedBy.computeIfPresent(user, (k, s) -> s.isEmpty() ? null : s);
  }

  /** Stops every watch {@code rc} had (it is gone). */
  @Override
  public void forget(CredentialResource<?> rc) {
    retainOnly(ResourceID.fromResource(rc), Set.of());
  }

  /** Watched Secrets plus readers. */
  @Override
  public int remembered() {
    return sources.size() + usedBy.size();
  }

  /** Secrets a RegistryCredential currently reads. */
  public Set<ResourceID> usedBy(ResourceID user) {
    return Set.copyOf(usedBy.getOrDefault(user, Set.of()));
  }

  /** Removes {@code user} from the readers of {@code secret}; the last reader stops its informer. */
  private void release(ResourceID user, ResourceID secret) {
    Source[] unused = new Source[1];
    sources.computeIfPresent(secret, (k, s) -> {
      s.users.remove(user);
      unused[0] = s.users.isEmpty() ? s : null;
      return unused[0] == null ? s : null;
    });
    if (unused[0] != null) {
      unused[0].informer.stop();
    }
  }

  private void changed(ResourceID secret) {
    Source source = sources.get(secret);
    Set<ResourceID> toNotify = source == null ? Set.of() : Set.copyOf(source.users);
    toNotify.stream().filter(user -> user.getNamespace().isEmpty()).forEach(clusterScopedReaders);
    if (getEventHandler() != null && isRunning()) {
      toNotify.stream().filter(user -> user.getNamespace().isPresent())
          .forEach(user -> getEventHandler().handleEvent(new Event(user)));
    }
  }

  @Override
  public Set<Secret> getSecondaryResources(RegistryCredential primary) {
    return Set.of();
  }

  @Override
  public void stop() {
    for (ResourceID secret : Set.copyOf(sources.keySet())) {
      Source source = sources.remove(secret);
      if (source != null) {
        source.informer.stop();
      }
    }
    usedBy.clear();
    super.stop();
  }

  /** One watched Secret: its informer, started once (outside any lock), and who reads it. */
  private final class Source {
    final ResourceID secret;
    final SharedIndexInformer<Secret> informer;
    final Set<ResourceID> users = ConcurrentHashMap.newKeySet();
    /** Set once, by the first {@link #start()}; read without a lock (inside the map's compute). */
    private volatile CompletableFuture<Void> started;

    Source(ResourceID secret) {
      this.secret = secret;
      this.informer = informer(secret);
    }

    boolean failed() {
      CompletableFuture<Void> s = started;
      return s != null && s.isCompletedExceptionally();
    }

    /** Starts the informer on the first call; a failed or timed-out start stops it. */
    private synchronized CompletableFuture<Void> start() {
      if (started == null) {
        LOG.debug("watching source Secret {}/{}", secret.getNamespace().orElse(""), secret.getName());
        started = informer.start().toCompletableFuture().orTimeout(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        started.whenComplete((ok, error) -> {
          if (error != null) {
            informer.stop();
          }
        });
      }
      return started;
    }

    /** Waits for the first list of this Secret (bounded by {@link #START_TIMEOUT}). */
    void awaitStarted() {
      String ns = secret.getNamespace().orElse("");
      try {
        start().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KubernetesClientException("interrupted while starting to watch source Secret " + ns + "/" + secret.getName());
      } catch (ExecutionException e) {
        throw e.getCause() instanceof KubernetesClientException k ? k
            : new KubernetesClientException("could not watch source Secret " + ns + "/" + secret.getName()
                + " within " + START_TIMEOUT.toSeconds() + " s");
      }
    }
  }

  private SharedIndexInformer<Secret> informer(ResourceID secret) {
    String ns = secret.getNamespace().orElseThrow();
    String name = secret.getName();
    SharedIndexInformer<Secret> informer = client.secrets().inNamespace(ns).withName(name).runnableInformer(0);
    informer.itemStore(new TransformingItemStore<>(SourceSecretWatcher::slim));
    // Keep retrying whatever ends a watch. The client's default gives up for good on a watch-level
    // error (an event it cannot read, a protocol error), also when it comes before the informer
    // counts as started, and then nothing would notice that this source is no longer watched.
    // Other failures before the first sync (the list refused, say) still fail the start.
    informer.exceptionHandler((synced, error) -> {
      boolean retry = synced || error instanceof WatcherException;
      if (retry) {
        // The class only: a watch error's message can quote the event, and so the Secret's data.
        LOG.warn("watch of source Secret {}/{} failed ({}), retrying", ns, name, error.getClass().getSimpleName());
      }
      return retry;
    });
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Secret obj) {
        changed(secret);
      }

      @Override
      public void onUpdate(Secret oldObj, Secret newObj) {
        if (!oldObj.getMetadata().getResourceVersion().equals(newObj.getMetadata().getResourceVersion())) {
          changed(secret);
        }
      }

      @Override
      public void onDelete(Secret obj, boolean deletedFinalStateUnknown) {
        changed(secret);
      }
    });
    return informer;
  }
}
