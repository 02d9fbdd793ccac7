package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialStatus;
import io.pullsecrets.operator.cluster.ClusterView;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.health.PullFailure;
import io.pullsecrets.operator.health.PullFailureStore;
import io.pullsecrets.operator.health.PullHealth;
import io.pullsecrets.operator.health.PullHealthMonitor;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.spec.LabelSelectors;
import io.pullsecrets.operator.spec.RefreshSchedule;
import io.pullsecrets.operator.spec.SpecCheck;
import io.pullsecrets.operator.spec.Targets;
import io.pullsecrets.operator.verify.RegistryVerifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one reconciler. A reconcile runs in phases, each a method or class of its own:
 * <ol>
 *   <li>check the spec ({@link SpecCheck});
 *   <li>check tenancy (may this namespace serve others?);
 *   <li>obtain the credential ({@link Credentials}: cache, refresh schedule, fetch, backoff);
 *   <li>replicate into the target namespaces and
 *   <li>clean up elsewhere ({@link Replication}: full or incremental passes);
 *   <li>report: status, conditions and events from one pure function ({@link StatusAggregator}),
 *       written only when changed, and when to come back.
 * </ol>
 * Which events start a reconcile, and what the cluster looks like, is {@link Informers}'s part.
 */
public class RegistryCredentialReconciler implements Reconciler<RegistryCredential>, Cleaner<RegistryCredential> {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryCredentialReconciler.class);
  public static final String FINALIZER = "pullsecrets.io/cleanup";
  /**
   * A Secret held by someone else is not watched (only managed Secrets are cached): look again this
   * often, so that the namespace syncs soon after its owner deletes it. Reads only.
   */
  public static final Duration CONFLICT_RECHECK = Duration.ofMinutes(1);
  private volatile Duration conflictRecheck = CONFLICT_RECHECK;

  /** How often namespaces in Conflict are looked at again (default one minute). */
  public void conflictRecheck(Duration every) {
    this.conflictRecheck = every;
  }

  private final OperatorConfig config;
  private final ProviderRegistry providers;
  private final Clock clock;
  private final DoubleSupplier jitter;
  private final java.util.concurrent.ExecutorService pool;
  private final RefreshListener listener;
  private final RegistryVerifier verifier;
  private final TargetIndex index = new TargetIndex();

  private volatile Informers informers;
  private volatile SourceSecretWatcher sources;
  private volatile Replicator replicator;
  private volatile Credentials credentials;
  private volatile Replication replication;
  private volatile EventRecorder events;
  private volatile CredentialMemory memory;
  private volatile PullHealthMonitor pullHealth;
  private volatile Duration pullHealthWindow = PullHealth.WINDOW;
  /** Server-side apply (the default), or JOSDK's JSON diff on the CRUD mock ({@link StatusWriter}). */
  private volatile StatusWriter statusWriter = StatusWriter.SERVER_SIDE_APPLY;

  /** Told about every provider call and every sync, for metrics. */
  public interface RefreshListener {
    default void refreshed(RegistryCredential rc, String provider, boolean success, String reason, Duration took, Instant expiresAt) {}

    default void synced(RegistryCredential rc, RegistryCredentialStatus status) {}

    default void deleted(RegistryCredential rc) {}

    /** Every reconcile that ends without an exception, whatever its outcome. */
    default void reconciled(RegistryCredential rc) {}

    /** New failed pulls that concern the credential (pull health), by kind. */
    default void pullFailures(RegistryCredential rc, PullFailure.Kind kind, long n) {}

    RefreshListener NONE = new RefreshListener() {};
  }

  public RegistryCredentialReconciler(
      OperatorConfig config,
      ProviderRegistry providers,
      Clock clock,
      DoubleSupplier jitter,
      java.util.concurrent.ExecutorService pool,
      RefreshListener listener,
      RegistryVerifier verifier) {
    this.config = config;
    this.providers = providers;
    this.clock = clock;
    this.jitter = jitter;
    this.pool = pool;
    this.listener = listener;
    this.verifier = verifier;
  }

  public static DoubleSupplier randomJitter() {
    return () -> ThreadLocalRandom.current().nextDouble(-1, 1);
  }

  @Override
  public List<EventSource<?, RegistryCredential>> prepareEventSources(EventSourceContext<RegistryCredential> context) {
    statusWriter = StatusWriter.of(context.getControllerConfiguration().getConfigurationService().useSSAToPatchPrimaryResource());
    informers = new Informers(context, index);
    sources = new SourceSecretWatcher(context.getClient());
    events = new EventRecorder(context.getClient(), clock);
    replicator = new Replicator(context.getClient(), informers, pool, events);
    informers.claimants(replicator::claimantsOf);
    credentials = new Credentials(config, clock, jitter, listener, verifier, sources);
    replication = new Replication(replicator, index);
    memory = new CredentialMemory(java.util.Map.of(
        "credentials", credentials, "replication", replication, "targetIndex", index, "sourceWatches", sources,
        "replicator", replicator));
    List<EventSource<?, RegistryCredential>> all = new ArrayList<>(informers.eventSources());
    all.add(sources);
    pullHealth = new PullHealthMonitor(context.getClient(), new PullFailureStore(), listener::pullFailures);
    pullHealth.window(pullHealthWindow);
    all.addAll(pullHealth.eventSources(context, RegistryCredential.class, index::targeting));
    return all;
  }

  /**
   * What the informers hold, for the admission webhook: reads only the caches, never the API
   * server; empty before the event sources exist.
   */
  public ClusterView cache() {
    return cache;
  }

  private final ClusterView cache = ClusterView.of(() -> {
    Informers i = informers;
    return i == null ? ClusterView.EMPTY : i;
  });

  /**
   * A Secret as the operator's managed-Secret cache holds it (metadata and a digest of the data,
   * see {@link SecretDigests}); for tests and diagnostics.
   */
  public Optional<Secret> cachedManagedSecret(String namespace, String name) {
    Informers i = informers;
    return i == null ? Optional.empty() : i.managedSecret(namespace, name);
  }

  /** What the operator remembers per credential, by part (for tests of forgetting). */
  public java.util.Map<String, Integer> remembered() {
    CredentialMemory m = memory;
    return m == null ? java.util.Map.of() : m.remembered();
  }

  /** How long failed pulls count for PullsHealthy (ten minutes; shorter in tests). */
  public void pullHealthWindow(Duration window) {
    this.pullHealthWindow = window;
    PullHealthMonitor m = pullHealth;
    if (m != null) {
      m.window(window);
    }
  }

  /** What the phases found, and when to reconcile again (null: only on the next event). */
  private record Result(StatusAggregator.Outcome outcome, Duration requeue) {}

  @Override
  public UpdateControl<RegistryCredential> reconcile(RegistryCredential rc, Context<RegistryCredential> context) {
    Instant now = clock.instant();
    Set<String> touched = index.takeTouched(ResourceID.fromResource(rc));
    return report(rc, runPhases(rc, touched, now), context);
  }

  private Result runPhases(RegistryCredential rc, Set<String> touched, Instant now) {
    SpecCheck.Checked spec;
    try {
      spec = SpecCheck.check(rc, providers, informers::namespaces, config);
    } catch (SpecCheck.InvalidSpec e) {
      replication.invalidate(rc.getMetadata().getUid());
      return new Result(new StatusAggregator.Stalled(Reasons.INVALID_SPEC, e.getMessage()), null);
    }
    Supplier<Targets> targets = once(spec.targets());
    Result denied = checkTenancy(rc, spec, targets, now);
    if (denied != null) {
      return denied;
    }
    Credentials.Obtained obtained = credentials.obtain(rc, spec.provider(), spec.schedule(), now);
    if (obtained.entry() == null) {
      return unavailable(rc, spec, targets, obtained, now);
    }
    StatusAggregator.Sync sync =
        replication.serve(rc, spec.secretName(), obtained.entry(), targets, some -> targetsAmong(rc, some), touched, now);
    return served(rc, spec, obtained, sync, now);
  }

  /** The targets among {@code some} namespaces (those in the cache), as a full pass would find them. */
  private Targets targetsAmong(RegistryCredential rc, Set<String> some) {
    List<Namespace> namespaces = new ArrayList<>();
    some.forEach(ns -> informers.namespace(ns).ifPresent(namespaces::add));
    try {
      return Targets.resolve(rc, namespaces, config);
    } catch (LabelSelectors.InvalidSelectorException e) {
      throw new IllegalStateException("the spec was checked: " + e.getMessage(), e);
    }
  }

  /** Phase 2: a namespace not trusted to serve others gets NotPermitted, and its Secrets elsewhere go at once. */
  private Result checkTenancy(RegistryCredential rc, SpecCheck.Checked spec, Supplier<Targets> targets, Instant now) {
    Optional<String> denied = SpecCheck.notPermitted(rc, config);
    if (denied.isEmpty()) {
      return null;
    }
    String own = rc.getMetadata().getNamespace();
    String uid = rc.getMetadata().getUid();
    replication.invalidate(uid);
    replication.cleanUp(rc, spec.secretName(), targets.get().namespaces().contains(own) ? Set.of(own) : Set.of(), now);
    return new Result(new StatusAggregator.Stalled(Reasons.NOT_PERMITTED, denied.get()),
        untilEarliest(now, replication.cleanupRetryAt(uid)));
  }

  /** No usable credential: every Secret still targeted stays as it is; the others are revoked all the same. */
  private Result unavailable(RegistryCredential rc, SpecCheck.Checked spec, Supplier<Targets> targets,
      Credentials.Obtained obtained, Instant now) {
    String uid = rc.getMetadata().getUid();
    replication.invalidate(uid);
    replication.cleanUp(rc, spec.secretName(), targets.get().namespaces(), now);
    ProviderException e = Objects.requireNonNull(obtained.error());
    return new Result(new StatusAggregator.Unavailable(e, obtained.expired()),
        untilEarliest(now, e.retryable() ? credentials.retryAt(uid) : null, replication.cleanupRetryAt(uid)));
  }

  private Result served(RegistryCredential rc, SpecCheck.Checked spec, Credentials.Obtained obtained,
      StatusAggregator.Sync sync, Instant now) {
    CredentialCache.Entry entry = obtained.entry();
    var served = new StatusAggregator.Served(entry.credential().expiresAt(), entry.obtainedAt(), entry.nextRefresh(),
        entry.credential().registries(), validity(entry, spec.schedule()), entry.verified(), obtained.error(), sync,
        spec.secretName());
    String uid = rc.getMetadata().getUid();
    Instant retryAt = earliest(obtained.error() != null && obtained.error().retryable() ? credentials.retryAt(uid) : null,
        replication.retryAt(uid));
    return new Result(served, nextReconcile(entry, retryAt, sync.conflicts() > 0, conflictRecheck, now));
  }

  /** Phase 6: status, conditions and events from the pure {@link StatusAggregator}; written when changed. */
  private UpdateControl<RegistryCredential> report(RegistryCredential rc, Result result, Context<RegistryCredential> context) {
    RegistryCredentialStatus old = rc.getStatus() == null ? new RegistryCredentialStatus() : rc.getStatus();
    StatusAggregator.Report report = StatusAggregator.report(old, rc.getMetadata().getGeneration(),
        SpecCheck.configuredProvider(rc), result.outcome(), clock.instant());
    for (StatusAggregator.Event e : report.events()) {
      if (e.warning()) {
        events.warning(rc, e.reason(), e.message());
      } else {
        events.normal(rc, e.reason(), e.message());
      }
    }
    if (result.outcome() instanceof StatusAggregator.Served) {
      listener.synced(rc, report.status());
    }
    Duration recheck = pullsHealthy(rc, result.outcome(), report.status());
    Duration requeue = result.requeue() == null || (recheck != null && recheck.compareTo(result.requeue()) < 0)
        ? recheck : result.requeue();
    return finish(rc, context, old, report.status(), requeue);
  }

  /**
   * Pull health (docs/pull-health.md): the PullsHealthy condition and status.pullFailures from the
   * failed pulls this credential should have served. Ready is left as it is. Returns when the
   * window lets the last failure go (null: nothing to wait for).
   */
  private Duration pullsHealthy(RegistryCredential rc, StatusAggregator.Outcome outcome, RegistryCredentialStatus next) {
    PullHealthMonitor monitor = pullHealth;
    if (monitor == null || outcome instanceof StatusAggregator.Stalled) {
      return null;
    }
    Optional<SpecCheck.ServingRules> rules = SpecCheck.servingRules(rc, providers, config);
    if (rules.isEmpty()) {
      return null;
    }
    Instant now = clock.instant();
    PullHealth.Verdict verdict = monitor.assess(rc, rules.get(), next.getRegistries(), informers, now);
    Conditions conditions = new Conditions(next.getConditions(), rc.getMetadata().getGeneration(), now);
    String before = conditions.get(PullHealth.CONDITION).map(c -> c.getStatus()).orElse(null);
    conditions.set(PullHealth.CONDITION, verdict.healthy(), verdict.reason(), verdict.message());
    next.setConditions(conditions.toList());
    next.setPullFailures(verdict.status());
    if (PullHealth.warn(before, verdict)) {
      events.warning(rc, Reasons.PULLS_FAILING, verdict.message());
    }
    return verdict.recheckIn();
  }

  @Override
  public DeleteControl cleanup(RegistryCredential rc, Context<RegistryCredential> context) {
    ResourceID id = ResourceID.fromResource(rc);
    Duration retry = replication.removeAll(rc, clock.instant());
    if (retry != null) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(retry);
    }
    memory.forget(rc);
    listener.deleted(rc);
    LOG.info("removed its Secrets and service account entries");
    return DeleteControl.defaultDelete();
  }

  /** "token valid until ..." (or "does not expire"), and whether refresh.before had to be clamped. */
  private static String validity(CredentialCache.Entry entry, RefreshSchedule schedule) {
    Instant expiresAt = entry.credential().expiresAt();
    if (expiresAt == null) {
      return "credential does not expire";
    }
    return "token valid until " + StatusAggregator.format(expiresAt)
        + schedule.clampNote(entry.obtainedAt(), expiresAt).map(note -> "; " + note).orElse("");
  }

  /**
   * When to reconcile again after serving: the earliest retry (a failed fetch, a namespace backing
   * off, a failed cleanup), but never after the token expires; else the next refresh; the conflict
   * re-check when a namespace is in Conflict; and at least every {@link Replication#FULL_PASS_EVERY}.
   */
  static Duration nextReconcile(CredentialCache.Entry entry, Instant retryAt, boolean conflicts, Duration conflictRecheck,
      Instant now) {
    Instant at = earliest(retryAt, entry.nextRefresh());
    Instant expiresAt = entry.credential().expiresAt();
    if (retryAt != null && expiresAt != null && !expiresAt.isBefore(now)) {
      at = earliest(at, expiresAt.plusSeconds(1));
    }
    Duration after = at == null ? Replication.FULL_PASS_EVERY : Duration.between(now, at);
    if (conflicts && after.compareTo(conflictRecheck) > 0) {
      after = conflictRecheck;
    }
    return after.compareTo(Replication.FULL_PASS_EVERY) > 0 ? Replication.FULL_PASS_EVERY : after;
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
  }

  /** The time until the earliest of these instants (null: none). */
  private static Duration untilEarliest(Instant now, Instant... instants) {
    Instant at = null;
    for (Instant i : instants) {
      at = earliest(at, i);
    }
    return at == null ? null : Duration.between(now, at);
  }

  private static <T> Supplier<T> once(Supplier<T> supplier) {
    Object[] value = new Object[1];
    return () -> {
      if (value[0] == null) {
        value[0] = supplier.get();
      }
      @SuppressWarnings("unchecked")
      T t = (T) value[0];
      return t;
    };
  }

  private UpdateControl<RegistryCredential> finish(RegistryCredential rc, Context<RegistryCredential> context,
      RegistryCredentialStatus old, RegistryCredentialStatus next, Duration rescheduleAfter) {
    listener.reconciled(rc);
    UpdateControl<RegistryCredential> control = Serialization.asJson(old).equals(Serialization.asJson(next))
        ? UpdateControl.noUpdate()
        : statusWriter.write(rc, next, context);
    if (rescheduleAfter != null) {
      control.rescheduleAfter(rescheduleAfter.isNegative() ? Duration.ZERO : rescheduleAfter);
    }
    return control;
  }

}
