package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Adds or removes the operator's {@code imagePullSecrets} entries on a ServiceAccount with a JSON
 * patch guarded by {@code test} ops ({@link ServiceAccountPatches}). When a concurrent edit wins,
 * it reads the ServiceAccount again and retries at once: many credentials patching one
 * ServiceAccount must not wait for a backoff.
 *
 * <p>Requests for one ServiceAccount are coalesced: while one thread patches it, the requests
 * other threads make for it (other credentials targeting the same namespace) queue, and the
 * patching thread then sends all of them as one patch, starting from the ServiceAccount its own
 * patch returned. Twenty credentials targeting a new namespace so write its {@code default}
 * ServiceAccount a few times in a row instead of twenty times at once, nineteen of which would
 * lose the {@code test} op to each other. Each request's decision is the one it would make alone.
 */
final class ServiceAccountPatcher {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceAccountPatcher.class);
  /** Attempts of one patch that loses to concurrent edits (each after a fresh read). */
  static final int ATTEMPTS = 5;
  /** How long a ServiceAccount this patcher wrote is remembered, as fresher than an informer that has not caught up. */
  static final long RECENT_NANOS = 10_000_000_000L;

  private final KubernetesClient client;
  /** Per ServiceAccount ("ns/name") being patched: the requests waiting for the patching thread. */
  private final Map<String, ArrayDeque<Request>> queues = new HashMap<>();
  /** What this patcher last wrote to a ServiceAccount (its version and list), for {@link #RECENT_NANOS}; oldest first. */
  private final LinkedHashMap<String, Written> recent = new LinkedHashMap<>();

  /** One caller's request: its entry, its decision, and where its answer goes. */
  private record Request(String secretName, Predicate<ServiceAccount> want, Map<String, String> mdc,
      CompletableFuture<Integer> result) {}

  /** A version this patcher wrote and the entries' names it left (null for an entry without one). */
  private record Written(String resourceVersion, String[] names, long at) {}

  ServiceAccountPatcher(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Makes a ServiceAccount hold the entry {@code secretName} when {@code want} says so of it, and
   * not hold it otherwise, starting from {@code cached}. A 422 (a {@code test} op failed) or a
   * 409 is retried against a fresh read, up to {@link #ATTEMPTS} attempts in all; any other error
   * is thrown. Returns the number of writes this request caused (0 or 1; a patch that carries
   * several requests counts once, for the first of them).
   */
  int ensure(ServiceAccount cached, String secretName, Predicate<ServiceAccount> want) {
    String key = cached.getMetadata().getNamespace() + "/" + cached.getMetadata().getName();
    Request mine = new Request(secretName, want, MDC.getCopyOfContextMap(), new CompletableFuture<>());
    boolean lead;
    synchronized (this) {
      ArrayDeque<Request> queue = queues.get(key);
      lead = queue == null;
      if (lead) {
        queues.put(key, new ArrayDeque<>());
      } else {
        queue.add(mine);
      }
    }
    if (lead) {
      lead(key, cached, mine);
    }
    try {
      return mine.result().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while patching ServiceAccount " + key, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * Patches for {@code first}, then for whatever queued meanwhile, until nothing is waiting. Every
   * request taken is completed, with its writes or with the error that ended its patch.
   */
  private void lead(String key, ServiceAccount cached, Request first) {
    ServiceAccount sa = fresher(key, cached);
    List<Request> batch = List.of(first);
    while (true) {
      try {
        if (sa == null) {
          // The last patch failed or the account was gone: this batch starts from a fresh read.
          sa = client.serviceAccounts().inNamespace(cached.getMetadata().getNamespace())
              .withName(cached.getMetadata().getName()).get();
        }
        if (sa == null) {
          batch.forEach(r -> r.result().complete(0));
        } else {
          sa = apply(sa, batch);
        }
      } catch (RuntimeException | Error e) {
        batch.forEach(r -> r.result().completeExceptionally(e));
        sa = null;
      }
      synchronized (this) {
        ArrayDeque<Request> queue = queues.get(key);
        if (queue.isEmpty()) {
          queues.remove(key);
          return;
        }
        batch = new ArrayList<>(queue);
        queue.clear();
      }
    }
  }

  /**
   * One patch for all of {@code batch}, retried against a fresh read when it loses to a
   * concurrent edit; completes every request. Returns the ServiceAccount as the server holds it
   * afterwards (null if it is gone).
   */
  private ServiceAccount apply(ServiceAccount start, List<Request> batch) {
    String ns = start.getMetadata().getNamespace();
    String name = start.getMetadata().getName();
    ServiceAccount sa = start;
    for (int attempt = 1; ; attempt++) {
      // Each request decides as if alone, after the requests before it in the batch.
      Set<String> present = new LinkedHashSet<>();
      if (sa.getImagePullSecrets() != null) {
        sa.getImagePullSecrets().stream().filter(e -> e != null && e.getName() != null).forEach(e -> present.add(e.getName()));
      }
      List<String> adds = new ArrayList<>();
      Set<String> removes = new LinkedHashSet<>();
      List<Request> changing = new ArrayList<>();
      for (Request r : batch) {
        boolean add = r.want().test(sa);
        if (add == present.contains(r.secretName())) {
          continue;
        }
        changing.add(r);
        if (add) {
          present.add(r.secretName());
          adds.add(r.secretName());
        } else {
          present.remove(r.secretName());
          if (!adds.remove(r.secretName())) {
            removes.add(r.secretName());
          }
        }
      }
      String patch = ServiceAccountPatches.change(sa, adds, removes);
      if (patch == null) {
        batch.forEach(r -> r.result().complete(0));
        return sa;
      }
      try {
        ServiceAccount written = patch(sa, patch);
        remember(ns + "/" + name, written);
        for (Request r : changing) {
          log(r, adds.contains(r.secretName()), ns, name);
        }
        for (Request r : batch) {
          r.result().complete(r == changing.get(0) ? 1 : 0);
        }
        return written;
      } catch (KubernetesClientException e) {
        if ((e.getCode() != 422 && e.getCode() != 409) || attempt >= ATTEMPTS) {
          throw e;
        }
        LOG.debug("patch of ServiceAccount {}/{} lost to a concurrent edit (HTTP {}); retrying against a fresh read", ns, name, e.getCode());
        sa = client.serviceAccounts().inNamespace(ns).withName(name).get();
        if (sa == null) {
          batch.forEach(r -> r.result().complete(0));
          return null;
        }
      }
    }
  }

  private static void log(Request r, boolean added, String ns, String name) {
    Map<String, String> before = MDC.getCopyOfContextMap();
    try {
      if (r.mdc() == null) {
        MDC.clear();
      } else {
        MDC.setContextMap(r.mdc());
      }
      LOG.info(added ? "added entry {} to ServiceAccount {}/{}" : "removed entry {} from ServiceAccount {}/{}", r.secretName(), ns, name);
    } finally {
      if (before == null) {
        MDC.clear();
      } else {
        MDC.setContextMap(before);
      }
    }
  }

  /**
   * The cached ServiceAccount, or, when this patcher wrote it lately and the cache shows an older
   * version, the cached one with the list and version it wrote (its test op would fail otherwise).
   */
  private synchronized ServiceAccount fresher(String key, ServiceAccount cached) {
    expire();
    Written w = recent.get(key);
    if (w == null || !older(cached.getMetadata().getResourceVersion(), w.resourceVersion())) {
      return cached;
    }
    List<LocalObjectReference> list = new ArrayList<>(w.names().length);
    for (String name : w.names()) {
      list.add(new LocalObjectReference(name));
    }
    return new ServiceAccountBuilder(cached).editMetadata().withResourceVersion(w.resourceVersion()).endMetadata()
        .withImagePullSecrets(list).build();
  }

  private synchronized void remember(String key, ServiceAccount written) {
    if (written == null || written.getMetadata() == null) {
      return;
    }
    recent.remove(key);
    List<LocalObjectReference> list = written.getImagePullSecrets() == null ? List.of() : written.getImagePullSecrets();
    String[] names = list.stream().map(e -> e == null ? null : e.getName()).toArray(String[]::new);
    recent.put(key, new Written(written.getMetadata().getResourceVersion(), names, System.nanoTime()));
    expire();
  }

  private void expire() {
    long now = System.nanoTime();
    for (Iterator<Written> it = recent.values().iterator(); it.hasNext(); ) {
      if (now - it.next().at() < RECENT_NANOS) {
        return;
      }
      it.remove();
    }
  }

  /** Whether version {@code a} is older than {@code b}, where both are numbers (the API server's are); false when unknown. */
  private static boolean older(String a, String b) {
    try {
      return Long.parseLong(a) < Long.parseLong(b);
    } catch (NumberFormatException | NullPointerException e) {
      return false;
    }
  }

  private ServiceAccount patch(ServiceAccount sa, String jsonPatch) {
    // resource(sa) sends the patch alone; withName(..).patch(..) would GET the object first.
    return client.serviceAccounts()
        .inNamespace(sa.getMetadata().getNamespace())
        .resource(sa)
        .patch(PatchContext.of(PatchType.JSON), jsonPatch);
  }
}
