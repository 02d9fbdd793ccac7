package io.pullsecrets.operator.reconciler;

import io.pullsecrets.operator.cluster.ClusterView;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.spec.Targets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Replicates the rendered Secret: for each target namespace, the Secret ({@link SecretWriter},
 * deciding by {@link SecretWriteRule}) and the selected service accounts' entries
 * ({@link ServiceAccountPatcher}); and removes both where they are no longer wanted. Namespaces are
 * worked on in parallel on the writer pool. It writes only what differs from the cache, never
 * touches a Secret it does not manage, and never writes partial data.
 */
public final class Replicator {
  private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);
  public static final String SECRET_TYPE = SecretWriteRule.SECRET_TYPE;
  public static final String DATA_KEY = SecretWriteRule.DATA_KEY;

  private final KubernetesClient client;
  private final ClusterView view;
  private final ExecutorService pool;
  private final SecretWriter secrets;
  private final ServiceAccountPatcher serviceAccounts;
  private final ConflictClaims conflicts;
  private final FailureLog failures;

  /**
   * With {@code events} (may be null): adoptions and replacements of Secrets are reported as
   * Events. {@code conflicts} records who waits for a Secret held by someone else.
   */
  Replicator(KubernetesClient client, ClusterView view, ExecutorService pool, EventRecorder events,
      ConflictClaims conflicts, CredentialStates states) {
    this.client = client;
    this.conflicts = conflicts;
    this.failures = new FailureLog(LOG, states);
    this.view = view;
    this.pool = pool;
    this.secrets = new SecretWriter(client, events);
    this.serviceAccounts = new ServiceAccountPatcher(client);
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
    public boolean cleanupComplete() {
      return cleanupFailures.isEmpty();
    }
  }

  /**
   * Makes every target namespace except those in {@code skip} (backing off after a failure) hold
   * {@code dockerConfigJson} under {@code secretName}, with its selected service accounts
   * referencing it. Removes nothing elsewhere: see {@link #removeUntargeted}.
   */
  public Outcome sync(CredentialResource<?> rc, String secretName, byte[] dockerConfigJson, Targets targets, Set<String> skip) {
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
  public Outcome removeUntargeted(CredentialResource<?> rc, String secretName, Set<String> keepNamespaces) {
    return cleanup(removeExcept(rc,
        s -> keepNamespaces.contains(s.getMetadata().getNamespace()) && secretName.equals(s.getMetadata().getName())));
  }

  /** Removes every Secret and service account entry of a RegistryCredential (it is being deleted). */
  public Outcome removeAll(CredentialResource<?> rc) {
    return cleanup(removeExcept(rc, s -> false));
  }

  private static Outcome cleanup(List<NamespaceResult> results) {
    int writes = results.stream().mapToInt(NamespaceResult::writes).sum();
    return new Outcome(List.of(), results.stream().filter(r -> r.status() != NamespaceResult.Status.SYNCED).toList(), writes);
  }

  private List<NamespaceResult> removeExcept(CredentialResource<?> rc, Predicate<Secret> keep) {
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
      CredentialResource<?> rc, String ns, String name, String encoded, Predicate<ServiceAccount> selected) {
    ResourceID secretId = new ResourceID(name, ns);
    ResourceID rcId = ResourceID.fromResource(rc);
    SecretWriter.Written written;
    try {
      written = secrets.write(rc, ns, name, encoded, known(rcId, secretId));
    } catch (KubernetesClientException e) {
      return failed(rcId, ns, e, "writing Secret '" + name + "'", 0);
    }
    if (written.conflict() != null) {
      conflicts.claim(secretId, rcId);
      return new NamespaceResult(ns, NamespaceResult.Status.CONFLICT, Reasons.CONFLICT, written.conflict(), 0);
    }
    conflicts.release(secretId, rcId);
    int writes = written.writes();
    for (ServiceAccount sa : view.serviceAccounts(ns)) {
      try {
        writes += serviceAccounts.ensure(sa, name, selected);
      } catch (KubernetesClientException e) {
        return failed(rcId, ns, e, "patching ServiceAccount '" + sa.getMetadata().getName() + "'", writes);
      }
    }
    failures.succeeded(rcId, ns);
    return NamespaceResult.synced(ns, writes);
  }

  /**
   * What is known of the Secret to write: the cached one, or none. Foreign Secrets are not
   * cached, so a credential that last found this one held by someone else reads it afresh.
   */
  private Secret known(ResourceID rcId, ResourceID secretId) {
    String ns = secretId.getNamespace().orElseThrow();
    Optional<Secret> cached = view.managedSecret(ns, secretId.getName());
    if (cached.isPresent() || !conflicts.isClaimant(secretId, rcId)) {
      return cached.orElse(null);
    }
    return secrets.read(ns, secretId.getName());
  }

  private NamespaceResult removeSecret(ResourceID rcId, Secret s) {
    String ns = s.getMetadata().getNamespace();
    String name = s.getMetadata().getName();
    int writes = 0;
    for (ServiceAccount sa : view.serviceAccounts(ns)) {
      try {
        writes += serviceAccounts.ensure(sa, name, current -> false);
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
    failures.succeeded(rcId, ns);
    return NamespaceResult.synced(ns, writes);
  }

  /** A failed namespace, logged once per burst ({@link FailureLog}). */
  private NamespaceResult failed(ResourceID rcId, String ns, KubernetesClientException e, String action, int writes) {
    String message = ApiErrors.message(action, e);
    failures.failed(rcId, ns, message);
    return new NamespaceResult(ns, NamespaceResult.Status.FAILED, ApiErrors.reason(e), message, writes, ApiErrors.retryAfter(e));
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
