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
import org.slf4j.MDC;

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
  /** The last failure logged for a credential in a namespace, while it keeps failing. */
  private final Map<Failing, String> failing = new ConcurrentHashMap<>();

  private record Failing(ResourceID credential, String namespace) {}

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
    failing.keySet().removeIf(f -> f.credential().equals(rc));
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
    List<NamespaceResult> cleanup = removeExcept(rc,
        s -> keepNamespaces.contains(s.getMetadata().getNamespace()) && secretName.equals(s.getMetadata().getName()));
    int writes = cleanup.stream().mapToInt(NamespaceResult::writes).sum();
    return new Outcome(List.of(), cleanup.stream().filter(r -> r.status() != NamespaceResult.Status.SYNCED).toList(), writes);
  }

  /** Removes every Secret and service account entry of a RegistryCredential (it is being deleted). */
  public Outcome removeAll(RegistryCredential rc) {
    List<NamespaceResult> cleanup = removeExcept(rc, s -> false);
    int writes = cleanup.stream().mapToInt(NamespaceResult::writes).sum();
    return new Outcome(List.of(), cleanup.stream().filter(r -> r.status() != NamespaceResult.Status.SYNCED).toList(), writes);
  }

  private List<NamespaceResult> removeExcept(RegistryCredential rc, Predicate<Secret> keep) {
    ResourceID rcId = ResourceID.fromResource(rc);
    List<Callable<NamespaceResult>> tasks = new ArrayList<>();
    for (Secret s : view.managedSecretsOf(rc.getMetadata().getUid())) {
      // A terminating namespace takes its Secrets with it, and refuses writes meanwhile.
      boolean terminating = view.namespace(s.getMetadata().getNamespace()).map(Targets::isTerminating).orElse(false);
      if (!keep.test(s) && !terminating) {
        tasks.add(() -> removeSecret(rcId, s));
      }
    }
    return runAll(tasks);
  }

  private NamespaceResult syncNamespace(
      RegistryCredential rc, String ns, String name, String encoded, Predicate<ServiceAccount> selected) {
    ResourceID secretId = new ResourceID(name, ns);
    ResourceID rcId = ResourceID.fromResource(rc);
    Written written;
    try {
      written = writeSecret(rc, ns, name, encoded, known(rcId, secretId));
    } catch (KubernetesClientException e) {
      return failed(rcId, ns, e, "writing Secret '" + name + "'", 0);
    }
    if (written.conflict() != null) {
      return conflict(secretId, rcId, written.conflict());
    }
    Set<ResourceID> waiting = conflicts.get(secretId);
    if (waiting != null) {
      waiting.remove(rcId);
    }
    int writes = written.writes();
    for (ServiceAccount sa : view.serviceAccounts(ns)) {
      try {
        writes += patchEntry(sa, name, selected);
      } catch (KubernetesClientException e) {
        return failed(rcId, ns, e, "patching ServiceAccount '" + sa.getMetadata().getName() + "'", writes);
      }
    }
    return recovered(rcId, ns, NamespaceResult.synced(ns, writes));
  }

  /**
   * What is known of the Secret to write: the cached one, or none. Foreign Secrets are not
   * cached, so a credential that last found this one held by someone else reads it afresh.
   */
  private Secret known(ResourceID rcId, ResourceID secretId) {
    String ns = secretId.getNamespace().orElseThrow();
    Optional<Secret> cached = view.managedSecret(ns, secretId.getName());
    if (cached.isPresent() || !conflicts.getOrDefault(secretId, Set.of()).contains(rcId)) {
      return cached.orElse(null);
    }
    return read(ns, secretId.getName());
  }

  private NamespaceResult removeSecret(ResourceID rcId, Secret s) {
    String ns = s.getMetadata().getNamespace();
    String name = s.getMetadata().getName();
    int writes = 0;
    for (ServiceAccount sa : view.serviceAccounts(ns)) {
      try {
        writes += patchEntry(sa, name, current -> false);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          return failed(rcId, ns, e, "removing Secret '" + name + "' from ServiceAccount '" + sa.getMetadata().getName() + "'", writes);
        }
      }
    }
    try {
      client.secrets().inNamespace(ns).withName(name).delete();
      writes++;
      LOG.info("deleted Secret {}/{}", ns, name);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        return failed(rcId, ns, e, "deleting Secret '" + name + "'", writes);
      }
    }
    return recovered(rcId, ns, NamespaceResult.synced(ns, writes));
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

  /** What one Secret write did: the number of writes, or why the Secret is not ours (then nothing was written). */
  private record Written(int writes, String conflict) {
    static final Written NOTHING = new Written(0, null);
  }

  /**
   * Makes {@code ns/name} hold the credential, deciding from {@code known} (null: absent). When
   * the answer shows that {@code known} was out of date (409 on create: it exists; 404 on update:
   * it is gone; 409 or 422 on update: it changed or was made immutable), reads the Secret once and
   * decides once more; an error of that second write is the result.
   */
  private Written writeSecret(RegistryCredential rc, String ns, String name, String encoded, Secret known) {
    try {
      return decideAndWrite(rc, ns, name, encoded, known);
    } catch (KubernetesClientException e) {
      boolean outOfDate = known == null ? e.getCode() == 409 : Set.of(404, 409, 422).contains(e.getCode());
      if (!outOfDate) {
        throw e;
      }
      LOG.debug("Secret {}/{} changed since it was read (HTTP {}); deciding again on a fresh read", ns, name, e.getCode());
      return decideAndWrite(rc, ns, name, encoded, read(ns, name));
    }
  }

  /**
   * The one rule for writing a Secret: absent, create it; held by someone else, leave it; ours
   * (or adoptable) and out of date, update it guarded by the resourceVersion read, or replace it
   * when it is immutable and its data must change.
   */
  private Written decideAndWrite(RegistryCredential rc, String ns, String name, String encoded, Secret known) {
    if (known == null) {
      client.secrets().inNamespace(ns).resource(desired(rc, ns, name, encoded, null)).create();
      LOG.info("created Secret {}/{}", ns, name);
      return new Written(1, null);
    }
    Claim claim = claim(known, rc);
    if (claim == Claim.FOREIGN) {
      return new Written(0, foreignMessage(name, known));
    }
    if (upToDate(known, rc, encoded)) {
      return Written.NOTHING;
    }
    if (Boolean.TRUE.equals(known.getImmutable()) && !sameData(known, encoded)) {
      return new Written(replace(rc, ns, name, encoded, known), null);
    }
    client.secrets().inNamespace(ns).resource(desired(rc, ns, name, encoded, known)).update();
    LOG.info("updated Secret {}/{}", ns, name);
    if (claim == Claim.ADOPTABLE && events != null) {
      events.normal(rc, "Adopted", "Secret '" + name + "' in namespace '" + ns + "' named this RegistryCredential as its owner"
          + " but not its uid (restored from a backup?); it is managed again");
    }
    return new Written(1, null);
  }

  private Secret read(String ns, String name) {
    return client.secrets().inNamespace(ns).withName(name).get();
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
    LOG.info("replaced immutable Secret {}/{} (deleted and created again)", ns, name);
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
   * Makes a ServiceAccount hold the entry {@code secretName} when {@code want} says so, and not
   * hold it otherwise. When a concurrent edit wins (the patch's {@code test} op fails: 422, or a
   * 409), reads the ServiceAccount again and retries at once, up to {@link #SA_PATCH_ATTEMPTS}
   * attempts in all: many credentials patching one ServiceAccount must not wait for a backoff.
   * Returns the number of writes (0 or 1).
   */
  private int patchEntry(ServiceAccount cached, String secretName, Predicate<ServiceAccount> want) {
    String ns = cached.getMetadata().getNamespace();
    String name = cached.getMetadata().getName();
    ServiceAccount sa = cached;
    for (int attempt = 1; ; attempt++) {
      boolean add = want.test(sa);
      if (add == ServiceAccountPatches.hasEntry(sa, secretName)) {
        return 0;
      }
      try {
        patch(sa, add ? ServiceAccountPatches.add(sa, secretName) : ServiceAccountPatches.remove(sa, secretName));
        LOG.info(add ? "added entry {} to ServiceAccount {}/{}" : "removed entry {} from ServiceAccount {}/{}", secretName, ns, name);
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

  /**
   * A failed namespace. Logged at WARN when it starts failing (or fails for another reason), at
   * DEBUG while the same failure repeats on every retry.
   */
  private NamespaceResult failed(ResourceID rcId, String ns, KubernetesClientException e, String action, int writes) {
    String message = ApiErrors.message(action, e);
    String before = failing.put(new Failing(rcId, ns), message);
    if (message.equals(before)) {
      LOG.debug("namespace {}: {} (again)", ns, message);
    } else {
      LOG.warn("namespace {}: {}", ns, message);
    }
    return new NamespaceResult(ns, NamespaceResult.Status.FAILED, ApiErrors.reason(e), message, writes, ApiErrors.retryAfter(e));
  }

  /** A namespace that was failing and now succeeded: logged once at INFO. */
  private NamespaceResult recovered(ResourceID rcId, String ns, NamespaceResult result) {
    if (failing.remove(new Failing(rcId, ns)) != null) {
      LOG.info("namespace {}: writes succeed again", ns);
    }
    return result;
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

  /**
   * Runs the tasks on the writer pool. Each task sees the caller's MDC (the credential being
   * reconciled), so its log lines name the credential as the caller's do.
   */
  private List<NamespaceResult> runAll(List<Callable<NamespaceResult>> tasks) {
    if (tasks.isEmpty()) {
      return List.of();
    }
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    List<Callable<NamespaceResult>> withMdc = tasks.stream().map(task -> withMdc(mdc, task)).toList();
    List<NamespaceResult> out = new ArrayList<>(tasks.size());
    try {
      for (Future<NamespaceResult> f : pool.invokeAll(withMdc)) {
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

  private static <T> Callable<T> withMdc(Map<String, String> mdc, Callable<T> task) {
    return () -> {
      if (mdc == null) {
        MDC.clear();
      } else {
        MDC.setContextMap(mdc);
      }
      try {
        return task.call();
      } finally {
        MDC.clear();
      }
    };
  }
}
