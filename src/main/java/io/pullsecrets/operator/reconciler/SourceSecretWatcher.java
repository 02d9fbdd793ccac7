package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches exactly the source Secrets that RegistryCredentials read, one name-scoped informer per
 * Secret, so that a change to a source refreshes its credentials at once without caching the
 * cluster's other Secrets. An informer lives while some RegistryCredential uses its Secret.
 */
public final class SourceSecretWatcher extends AbstractEventSource<Secret, RegistryCredential> {
  private static final Logger LOG = LoggerFactory.getLogger(SourceSecretWatcher.class);

  /** How long the first list and watch of a source Secret may take. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final Map<ResourceID, SharedIndexInformer<Secret>> informers = new HashMap<>();
  private final Map<ResourceID, Set<ResourceID>> users = new HashMap<>();
  private final Map<ResourceID, Set<ResourceID>> usedBy = new HashMap<>();

  public SourceSecretWatcher(KubernetesClient client) {
    super(Secret.class, "source-secrets");
    this.client = client;
  }

  /** The current Secret, watching it for {@code user} from now on. */
  public Optional<Secret> get(ResourceID user, String namespace, String name) {
    ResourceID secret = new ResourceID(name, namespace);
    SharedIndexInformer<Secret> informer;
    synchronized (this) {
      users.computeIfAbsent(secret, k -> new HashSet<>()).add(user);
      usedBy.computeIfAbsent(user, k -> new HashSet<>()).add(secret);
      informer = informers.computeIfAbsent(secret, this::start);
    }
    return Optional.ofNullable(informer.getStore().getByKey(namespace + "/" + name));
  }

  /** The resourceVersion of a watched Secret, or "" when it does not exist. */
  public String version(String namespace, String name) {
    SharedIndexInformer<Secret> informer;
    synchronized (this) {
      informer = informers.get(new ResourceID(name, namespace));
    }
    if (informer == null) {
      return "";
    }
    Secret s = informer.getStore().getByKey(namespace + "/" + name);
    return s == null ? "" : s.getMetadata().getResourceVersion();
  }

  /** Stops watching, for {@code user}, every Secret not in {@code keep}. */
  public synchronized void retainOnly(ResourceID user, Set<ResourceID> keep) {
    Set<ResourceID> used = usedBy.getOrDefault(user, Set.of());
    for (ResourceID secret : Set.copyOf(used)) {
      if (keep.contains(secret)) {
        continue;
      }
      used.remove(secret);
      Set<ResourceID> u = users.get(secret);
      if (u != null) {
        u.remove(user);
        if (u.isEmpty()) {
          users.remove(secret);
          SharedIndexInformer<Secret> informer = informers.remove(secret);
          if (informer != null) {
            informer.stop();
          }
        }
      }
    }
    if (used.isEmpty()) {
      usedBy.remove(user);
    }
  }

  /** Secrets a RegistryCredential currently reads. */
  public synchronized Set<ResourceID> usedBy(ResourceID user) {
    return Set.copyOf(usedBy.getOrDefault(user, Set.of()));
  }

  private SharedIndexInformer<Secret> start(ResourceID secret) {
    String ns = secret.getNamespace().orElseThrow();
    String name = secret.getName();
    LOG.debug("watching source Secret {}/{}", ns, name);
    SharedIndexInformer<Secret> informer = client.secrets().inNamespace(ns).withName(name).runnableInformer(0);
    // Keep retrying whatever ends a watch. The client's default gives up for good on a watch-level
    // error (an event it cannot read, a protocol error), also when it comes before the informer
    // counts as started, and then nothing would notice that this source is no longer watched.
    // Other failures before the first sync (the list refused, say) still fail the call.
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
    // Bounded: this runs under the watcher's lock, and a watch that keeps failing before its first
    // sync would otherwise hold it for good.
    try {
      informer.start().toCompletableFuture().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      informer.stop();
      Thread.currentThread().interrupt();
      throw new KubernetesClientException("interrupted while starting to watch source Secret " + ns + "/" + name);
    } catch (ExecutionException | TimeoutException e) {
      informer.stop();
      throw e.getCause() instanceof KubernetesClientException k ? k
          : new KubernetesClientException("could not watch source Secret " + ns + "/" + name + " within " + START_TIMEOUT.toSeconds() + " s");
    }
    return informer;
  }

  private void changed(ResourceID secret) {
    Set<ResourceID> toNotify;
    synchronized (this) {
      toNotify = Set.copyOf(users.getOrDefault(secret, Set.of()));
    }
    if (getEventHandler() != null && isRunning()) {
      toNotify.forEach(user -> getEventHandler().handleEvent(new Event(user)));
    }
  }

  @Override
  public Set<Secret> getSecondaryResources(RegistryCredential primary) {
    return Set.of();
  }

  @Override
  public synchronized void stop() {
    informers.values().forEach(SharedIndexInformer::stop);
    informers.clear();
    users.clear();
    usedBy.clear();
    super.stop();
  }
}
