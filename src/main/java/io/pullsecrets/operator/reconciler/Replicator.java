package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.RegistryCredential;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the rendered Secret into target namespaces, keeps service accounts pointing at it, and
 * removes both where they are no longer wanted. It writes only what differs from the cache, never
 * touches a Secret it does not manage, and never writes partial data.
 */
public final class Replicator {
  private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);
  public static final String SECRET_TYPE = "kubernetes.io/dockerconfigjson";
  public static final String DATA_KEY = ".dockerconfigjson";
  /** Attempts of one ServiceAccount patch that loses to concurrent edits (each after a fresh read). */
  static final int SA_PATCH_ATTEMPTS = 5;

  private final KubernetesClient client;
  private final ClusterView view;
  private final ExecutorService pool;
  /** Secret (namespace/name) to the RegistryCredentials that found it held by someone else. */
  private final Map<ResourceID, Set<ResourceID>> conflicts = new ConcurrentHashMap<>();

  private final EventRecorder events;

  public Replicator(KubernetesClient client, ClusterView view, ExecutorService pool) {
    this(client, view, pool, null);
  }

  /** With {@code events}: adoptions and replacements of Secrets are reported as Events. */
  public Replicator(KubernetesClient client, ClusterView view, ExecutorService pool, EventRecorder events) {
    this.client = client;
    this.view = view;
    this.pool = pool;
    this.events = events;
  }

  /** What happened in one namespace. */
  public record NamespaceResult(String namespace, Status status, String reason, String message, int writes,
      java.time.Duration retryAfter) {
    public enum Status { SYNCED, CONFLICT, FAILED }

    /** Longest message kept (it goes into status and events; it may quote other objects). */
    public static final int MAX_MESSAGE = 1024;

    public NamespaceResult {
      message = ForeignText.truncate(message, MAX_MESSAGE);
    }

    public NamespaceResult(String namespace, Status status, String reason, String message, int writes) {
      this(namespace, status, reason, message, writes, null);
    }

    static NamespaceResult synced(String ns, int writes) {
      return new NamespaceResult(ns, Status.SYNCED, null, null, writes);
    }
  }

  /** The outcome of a sync or a cleanup. */
  public record Outcome(List<NamespaceResult> results, List<NamespaceResult> cleanupFailures, int writes) {
    public long count(NamespaceResult.Status s) {
      return results.stream().filter(r -> r.status() == s).count();
    }

    public boolean cleanupComplete() {
      return cleanupFailures.isEmpty();
    }
  }

  /** RegistryCredentials waiting for a Secret held by someone else. */
  public Set<ResourceID> claimantsOf(ResourceID secret) {
    return Set.copyOf(conflicts.getOrDefault(secret, Set.of()));
  }

  /** Forgets a RegistryCredential's conflicts (it was deleted). */
  public void forget(ResourceID rc) {
    conflicts.values().forEach(s -> s.remove(rc));
    conflicts.entrySet().removeIf(e -> e.getValue().isEmpty());
  }

  /**
   * Makes every target namespace hold {@code dockerConfigJson} under {@code secretName} and its
   * selected service accounts reference it; then removes this credential's Secrets and entries
   * everywhere else.
   */
  public Outcome sync(RegistryCredential rc, String secretName, byte[] dockerConfigJson, Targets targets) {
    Outcome synced = sync(rc, secretName, dockerConfigJson, targets, Set.of());
    Outcome cleanup = removeUntargeted(rc, secretName, targets.namespaces());
    return new Outcome(synced.results(), cleanup.cleanupFailures(), synced.writes() + cleanup.writes());
  }

  /**
   * Makes every target namespace except those in {@code skip} (backing off after a failure) hold
   * {@code dockerConfigJson} under {@code secretName}, with its selected service accounts
   * referencing it. Removes nothing elsewhere: see {@link #removeUntargeted}.
   */
  public Outcome sync(RegistryCredential rc, String secretName, byte[] dockerConfigJson, Targets targets, Set<String> skip) {
    String encoded = java.util.Base64.getEncoder().encodeToString(dockerConfigJson);
    List<Callable<NamespaceResult>> tasks = new ArrayList<>();
    for (String ns : targets.namespaces()) {
      if (!skip.contains(ns)) {
        tasks.add(() -> syncNamespace(rc, ns, secretName, encoded, targets.serviceAccounts()));
      }
    }
    List<NamespaceResult> results = runAll(tasks);
    return new Outcome(results, List.of(), results.stream().mapToInt(NamespaceResult::writes).sum());
  }

  /**
   * Removes this credential's Secrets (and their service account entries) from every namespace
   * not in {@code keepNamespaces}, and those of another name than {@code secretName} everywhere.
   * Needs no credential: revoking access never waits for one.
   */
  public Outcome removeUntargeted(RegistryCredential rc, String secretName, Set<String> keepNamespaces) {
    List<NamespaceResult> cleanup = removeExcept(rc.getMetadata().getUid(),
        s -> keepNamespaces.contains(s.getMetadata().getNamespace()) && secretName.equals(s.getMetadata().getName()));
    int writes = cleanup.stream().mapToInt(NamespaceResult::writes).sum();
    return new Outcome(List.of(), cleanup.stream().filter(r -> r.status() != NamespaceResult.Status.SYNCED).toList(), writes);
  }

  /** Removes every Secret and service account entry of a RegistryCredential (it is being deleted). */
  public Outcome removeAll(RegistryCredential rc) {
    List<NamespaceResult> cleanup = removeExcept(rc.getMetadata().getUid(), s -> false);
    int writes = cleanup.stream().mapToInt(NamespaceResult::writes).sum();
    return new Outcome(List.of(), cleanup.stream().filter(r -> r.status() != NamespaceResult.Status.SYNCED).toList(), writes);
  }

  private List<NamespaceResult> removeExcept(String uid, Predicate<Secret> keep) {
    List<Callable<NamespaceResult>> tasks = new ArrayList<>();
    for (Secret s : view.managedSecretsOf(uid)) {
      // A terminating namespace takes its Secrets with it, and refuses writes meanwhile.
      boolean terminating = view.namespace(s.getMetadata().getNamespace()).map(Targets::isTerminating).orElse(false);
      if (!keep.test(s) && !terminating) {
        tasks.add(() -> removeSecret(s));
      }
    }
    return runAll(tasks);
  }

  private NamespaceResult syncNamespace(
      RegistryCredential rc, String ns, String name, String encoded, Predicate<ServiceAccount> selected) {
    ResourceID secretId = new ResourceID(name, ns);
    ResourceID rcId = ResourceID.fromResource(rc);
    int writes = 0;
    Optional<Secret> cached = view.managedSecret(ns, name);
    try {
      if (cached.isPresent()) {
        Secret existing = cached.get();
        if (claim(existing, rc) == Claim.FOREIGN) {
          return conflict(secretId, rcId, foreignMessage(name, existing));
        }
        if (!upToDate(existing, rc, encoded)) {
          writes += update(rc, ns, name, encoded, existing);
        }
      } else {
        if (conflicts.getOrDefault(secretId, Set.of()).contains(rcId)) {
          Secret live = client.secrets().inNamespace(ns).withName(name).get();
          if (live != null && claim(live, rc) == Claim.FOREIGN) {
            return conflict(secretId, rcId, foreignMessage(name, live));
          }
        }
        try {
          client.secrets().inNamespace(ns).resource(desired(rc, ns, name, encoded, null)).create();
          writes++;
          LOG.info("created Secret {}/{} for RegistryCredential {}", ns, name, rcId);
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e;
          }
          Secret live = client.secrets().inNamespace(ns).withName(name).get();
          if (live == null || claim(live, rc) == Claim.FOREIGN) {
            return conflict(secretId, rcId, foreignMessage(name, live));
          }
          if (!upToDate(live, rc, encoded)) {
            writes += update(rc, ns, name, encoded, live);
          }
        }
      }
      Set<ResourceID> waiting = conflicts.get(secretId);
      if (waiting != null) {
        waiting.remove(rcId);
      }
    } catch (KubernetesClientException e) {
      return failed(ns, e, "writing Secret '" + name + "'", writes);
    }
    for (ServiceAccount sa : view.serviceAccounts(ns)) {
      String saName = sa.getMetadata().getName();
      try {
        writes += patchServiceAccount(sa, current -> {
          boolean want = selected.test(current);
          boolean has = ServiceAccountPatches.hasEntry(current, name);
          return want && !has ? ServiceAccountPatches.add(current, name)
              : !want && has ? ServiceAccountPatches.remove(current, name)
              : null;
        });
      } catch (KubernetesClientException e) {
        return failed(ns, e, "patching ServiceAccount '" + saName + "'", writes);
      }
    }
    return NamespaceResult.synced(ns, writes);
  }

  private NamespaceResult removeSecret(Secret s) {
    String ns = s.getMetadata().getNamespace();
    String name = s.getMetadata().getName();
    int writes = 0;
    for (ServiceAccount sa : view.serviceAccounts(ns)) {
      try {
        writes += patchServiceAccount(sa, current -> ServiceAccountPatches.remove(current, name));
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          return failed(ns, e, "removing Secret '" + name + "' from ServiceAccount '" + sa.getMetadata().getName() + "'", writes);
        }
      }
    }
    try {
      client.secrets().inNamespace(ns).withName(name).delete();
      writes++;
      LOG.info("deleted Secret {}/{}", ns, name);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        return failed(ns, e, "deleting Secret '" + name + "'", writes);
      }
    }
    return NamespaceResult.synced(ns, writes);
  }

  /** Who a Secret of the wanted name belongs to, as far as this RegistryCredential is concerned. */
  enum Claim {
    /** Labelled with this credential's uid. */
    OURS,
    /**
     * Labelled managed-by us and annotated with this credential's namespace/name, but without its
     * uid (a backup restore, a finalizer removed by hand, a uid label deleted by hand): taken over.
     */
    ADOPTABLE,
    /** Anything else: never written, never deleted. */
    FOREIGN
  }

  static Claim claim(Secret s, RegistryCredential rc) {
    Map<String, String> labels = labels(s);
    if (rc.getMetadata().getUid().equals(labels.get(Labels.CREDENTIAL_UID))) {
      return Claim.OURS;
    }
    if (Labels.MANAGED_BY_VALUE.equals(labels.get(Labels.MANAGED_BY))
        && owner(rc).equals(annotations(s).get(Labels.OWNER_ANNOTATION))) {
      return Claim.ADOPTABLE;
    }
    return Claim.FOREIGN;
  }

  /**
   * Rewrites a Secret the caller found to be ours (or adoptable), guarded by its resourceVersion;
   * an immutable one whose data must change is replaced. Returns the number of writes.
   */
  private int update(RegistryCredential rc, String ns, String name, String encoded, Secret existing) {
    ResourceID rcId = ResourceID.fromResource(rc);
    boolean adopting = claim(existing, rc) == Claim.ADOPTABLE;
    if (Boolean.TRUE.equals(existing.getImmutable()) && !sameData(existing, encoded)) {
      return replace(rc, ns, name, encoded, existing);
    }
    try {
      client.secrets().inNamespace(ns).resource(desired(rc, ns, name, encoded, existing)).update();
      LOG.info("updated Secret {}/{} for RegistryCredential {}", ns, name, rcId);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 422) {
        // Made immutable since the cache last heard of it.
        Secret live = client.secrets().inNamespace(ns).withName(name).get();
        if (live != null && Boolean.TRUE.equals(live.getImmutable()) && claim(live, rc) != Claim.FOREIGN) {
          return replace(rc, ns, name, encoded, live);
        }
      }
      if (e.getCode() != 404) {
        throw e;
      }
      // Deleted since the cache last heard of it: create it again.
      client.secrets().inNamespace(ns).resource(desired(rc, ns, name, encoded, null)).create();
      LOG.info("created Secret {}/{} for RegistryCredential {}", ns, name, rcId);
      return 1;
    }
    if (adopting && events != null) {
      events.normal(rc, "Adopted", "Secret '" + name + "' in namespace '" + ns + "' named this RegistryCredential as its owner"
          + " but not its uid (restored from a backup?); it is managed again");
    }
    return 1;
  }

  /**
   * An immutable Secret cannot take new data: deletes exactly the version the caller found to be
   * ours (a resourceVersion precondition, so a Secret created or changed meanwhile is never
   * deleted) and creates it again, mutable, keeping its other labels and annotations.
   */
  private int replace(RegistryCredential rc, String ns, String name, String encoded, Secret existing) {
    client.secrets().inNamespace(ns).resource(existing)
        .lockResourceVersion(existing.getMetadata().getResourceVersion()).delete();
    Secret fresh = desired(rc, ns, name, encoded, null);
    Map<String, String> labels = new LinkedHashMap<>(labels(existing));
    labels.putAll(fresh.getMetadata().getLabels());
    fresh.getMetadata().setLabels(labels);
    Map<String, String> annotations = new LinkedHashMap<>(annotations(existing));
    annotations.putAll(fresh.getMetadata().getAnnotations());
    fresh.getMetadata().setAnnotations(annotations);
    client.secrets().inNamespace(ns).resource(fresh).create();
    LOG.info("replaced immutable Secret {}/{} for RegistryCredential {}", ns, name, ResourceID.fromResource(rc));
    if (events != null) {
      events.warning(rc, "ImmutableSecretReplaced", "Secret '" + name + "' in namespace '" + ns
          + "' was immutable and could not take the new credential; it was deleted and created again (not immutable)");
    }
    return 2;
  }

  private static boolean sameData(Secret s, String encoded) {
    return SecretDigests.holdsExactly(s, Map.of(DATA_KEY, encoded));
  }

  /**
   * Applies the patch {@code patchFor} computes for a ServiceAccount (null: nothing to do). When a
   * concurrent edit wins (its {@code test} op fails: 422, or a 409), reads the ServiceAccount again
   * and retries at once, up to {@link #SA_PATCH_ATTEMPTS} attempts in all: many credentials
   * patching one ServiceAccount must not wait for a backoff. Returns the number of writes (0 or 1).
   */
  private int patchServiceAccount(ServiceAccount cached, java.util.function.Function<ServiceAccount, String> patchFor) {
    String ns = cached.getMetadata().getNamespace();
    String name = cached.getMetadata().getName();
    ServiceAccount sa = cached;
    for (int attempt = 1; ; attempt++) {
      String jsonPatch = patchFor.apply(sa);
      if (jsonPatch == null) {
        return 0;
      }
      try {
        patch(sa, jsonPatch);
        return 1;
      } catch (KubernetesClientException e) {
        if ((e.getCode() != 422 && e.getCode() != 409) || attempt >= SA_PATCH_ATTEMPTS) {
          throw e;
        }
        LOG.debug("patch of ServiceAccount {}/{} lost to a concurrent edit (HTTP {}); retrying against a fresh read", ns, name, e.getCode());
        sa = client.serviceAccounts().inNamespace(ns).withName(name).get();
        if (sa == null) {
          return 0;
        }
      }
    }
  }

  private void patch(ServiceAccount sa, String jsonPatch) {
    // resource(sa) sends the patch alone; withName(..).patch(..) would GET the object first.
    client.serviceAccounts()
        .inNamespace(sa.getMetadata().getNamespace())
        .resource(sa)
        .patch(PatchContext.of(PatchType.JSON), jsonPatch);
    LOG.info("patched imagePullSecrets of ServiceAccount {}/{}", sa.getMetadata().getNamespace(), sa.getMetadata().getName());
  }

  private NamespaceResult conflict(ResourceID secret, ResourceID rc, String message) {
    conflicts.computeIfAbsent(secret, k -> ConcurrentHashMap.newKeySet()).add(rc);
    return new NamespaceResult(secret.getNamespace().orElse(""), NamespaceResult.Status.CONFLICT, "Conflict", message, 0);
  }

  /** Why a Secret is not ours; the other object's annotation is validated or quoted bounded ({@link ForeignText}). */
  private static String foreignMessage(String name, Secret live) {
    if (live != null && Labels.MANAGED_BY_VALUE.equals(labels(live).get(Labels.MANAGED_BY))) {
      String owner = annotations(live).get(Labels.OWNER_ANNOTATION);
      return "Secret '" + name + "' is managed by " + (owner == null
          ? "another RegistryCredential (another uid, no owner annotation)"
          : "RegistryCredential " + ForeignText.owner(owner));
    }
    return "Secret '" + name + "' exists and is not managed by pullsecret-operator; it is left alone";
  }

  private static NamespaceResult failed(String ns, KubernetesClientException e, String action, int writes) {
    LOG.warn("namespace {}: {}", ns, ApiErrors.message(action, e));
    return new NamespaceResult(ns, NamespaceResult.Status.FAILED, ApiErrors.reason(e), ApiErrors.message(action, e), writes,
        ApiErrors.retryAfter(e));
  }

  static boolean upToDate(Secret s, RegistryCredential rc, String encoded) {
    return SECRET_TYPE.equals(s.getType())
        && SecretDigests.holdsExactly(s, Map.of(DATA_KEY, encoded)) // a cached Secret holds a digest (SecretDigests)
        && ownLabels(rc).entrySet().stream().allMatch(e -> e.getValue().equals(labels(s).get(e.getKey())))
        && owner(rc).equals(annotations(s).get(Labels.OWNER_ANNOTATION));
  }

  private static Secret desired(RegistryCredential rc, String ns, String name, String encoded, Secret existing) {
    ObjectMeta meta;
    if (existing == null) {
      meta = new ObjectMetaBuilder().withName(name).withNamespace(ns).build();
    } else {
      meta = new ObjectMetaBuilder(existing.getMetadata()).build();
    }
    Map<String, String> labels = new LinkedHashMap<>(meta.getLabels() == null ? Map.of() : meta.getLabels());
    labels.putAll(ownLabels(rc));
    meta.setLabels(labels);
    Map<String, String> annotations = new LinkedHashMap<>(meta.getAnnotations() == null ? Map.of() : meta.getAnnotations());
    annotations.put(Labels.OWNER_ANNOTATION, owner(rc));
    meta.setAnnotations(annotations);
    return new SecretBuilder()
        .withMetadata(meta)
        .withType(SECRET_TYPE)
        .withImmutable(existing == null ? null : existing.getImmutable())
        .withData(new HashMap<>(Map.of(DATA_KEY, encoded)))
        .build();
  }

  private static Map<String, String> ownLabels(RegistryCredential rc) {
    return Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.CREDENTIAL_UID, rc.getMetadata().getUid());
  }

  private static String owner(RegistryCredential rc) {
    return rc.getMetadata().getNamespace() + "/" + rc.getMetadata().getName();
  }

  private static Map<String, String> labels(Secret s) {
    return Objects.requireNonNullElse(s.getMetadata().getLabels(), Map.of());
  }

  private static Map<String, String> annotations(Secret s) {
    return Objects.requireNonNullElse(s.getMetadata().getAnnotations(), Map.of());
  }

  private List<NamespaceResult> runAll(List<Callable<NamespaceResult>> tasks) {
    if (tasks.isEmpty()) {
      return List.of();
    }
    List<NamespaceResult> out = new ArrayList<>(tasks.size());
    try {
      for (Future<NamespaceResult> f : pool.invokeAll(tasks)) {
        out.add(f.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while syncing namespaces", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
    return out;
  }
}
