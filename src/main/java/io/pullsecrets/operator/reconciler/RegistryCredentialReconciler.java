package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.Namespace;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.pullsecrets.operator.api.Reasons;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.pullsecrets.operator.api.ClusterRegistryCredential;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialStatus;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.health.PodHealer;
import io.pullsecrets.operator.health.PullFailure;
import io.pullsecrets.operator.health.PullHealth;
import io.pullsecrets.operator.health.PullHealthMonitor;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.spec.LabelSelectors;
import io.pullsecrets.operator.spec.RefreshSchedule;
import io.pullsecrets.operator.spec.SpecCheck;
import io.pullsecrets.operator.spec.Targets;
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
 * The one reconciler, for both kinds: {@link Namespaced} (RegistryCredential) and
 * {@link ClusterScoped} (ClusterRegistryCredential) are this class registered twice, sharing every
 * part (states, indexes, informers, writers); a kind adds only its event sources and how an
 * object of it is made for a status patch. A reconcile runs in phases, each a method or class of its own:
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
public abstract class RegistryCredentialReconciler<R extends CredentialResource<?>> implements Reconciler<R>, Cleaner<R> {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryCredentialReconciler.class);
  public static final String FINALIZER = "pullsecrets.io/cleanup";
  /** The controller names (JOSDK's metrics, the status field manager); the first is the name it always had. */
  public static final String CONTROLLER = "registrycredentialreconciler";
  public static final String CLUSTER_CONTROLLER = "clusterregistrycredentialreconciler";

  /** The RegistryCredential controller: it builds the informers both kinds share. */
  @ControllerConfiguration(name = CONTROLLER)
  public static final class Namespaced extends RegistryCredentialReconciler<RegistryCredential> {
    Namespaced(OperatorConfig config, ProviderRegistry providers, Clock clock, RefreshListener listener,
        Duration conflictRecheck, ClusterCaches cluster, TargetIndex index, CredentialStates states,
        Credentials credentials, Replication replication, EventRecorder events, StatusWriter statusWriter,
        CredentialMemory memory, PullHealthMonitor pullHealth, PodHealer healer) {
      super(config, providers, clock, listener, conflictRecheck, cluster, index, states, credentials, replication, events,
          statusWriter, memory, pullHealth, healer);
    }

    @Override
    public List<EventSource<?, RegistryCredential>> prepareEventSources(EventSourceContext<RegistryCredential> context) {
      return cluster.eventSources(context);
    }

    @Override
    RegistryCredential newOfKind() {
      return new RegistryCredential();
    }
  }

  /** The ClusterRegistryCredential controller: the same parts, woken by the shared informers. */
  @ControllerConfiguration(name = CLUSTER_CONTROLLER)
  public static final class ClusterScoped extends RegistryCredentialReconciler<ClusterRegistryCredential> {
    ClusterScoped(RegistryCredentialReconciler<?> shared) {
      super(shared.config, shared.providers, shared.clock, shared.listener, shared.conflictRecheck, shared.cluster,
          shared.index, shared.states, shared.credentials, shared.replication, shared.events, shared.statusWriter,
          shared.memory, shared.pullHealth, shared.healer);
    }

    @Override
    public List<EventSource<?, ClusterRegistryCredential>> prepareEventSources(EventSourceContext<ClusterRegistryCredential> context) {
      return cluster.clusterEventSources(context);
    }

    @Override
    ClusterRegistryCredential newOfKind() {
      return new ClusterRegistryCredential();
    }
  }

  /** An empty object of the kind, for status patches. */
  abstract R newOfKind();
  /**
   * A Secret held by someone else is not watched (only managed Secrets are cached): look again this
   * often, so that the namespace syncs soon after its owner deletes it. Reads only.
   */
  public static final Duration CONFLICT_RECHECK = Duration.ofMinutes(1);

  private final OperatorConfig config;
  private final ProviderRegistry providers;
  private final Clock clock;
  private final RefreshListener listener;
  private final Duration conflictRecheck;
  /** Package-private: the kinds' event sources come from it. */
  final ClusterCaches cluster;
  private final TargetIndex index;
  private final CredentialStates states;
  private final Credentials credentials;
  private final Replication replication;
  private final EventRecorder events;
  private final StatusWriter statusWriter;
  private final CredentialMemory memory;
  private final PullHealthMonitor pullHealth;
  private final PodHealer healer;

  /** Told about every provider call and every sync, for metrics. */
  public interface RefreshListener {
    default void refreshed(CredentialResource<?> rc, String provider, boolean success, String reason, Duration took, Instant expiresAt) {}

    default void synced(CredentialResource<?> rc, RegistryCredentialStatus status) {}

    default void deleted(CredentialResource<?> rc) {}

    /** Every reconcile that ends without an exception, whatever its outcome. */
    default void reconciled(CredentialResource<?> rc) {}

    /** New failed pulls that concern the credential (pull health), by kind. */
    default void pullFailures(CredentialResource<?> rc, PullFailure.Kind kind, long n) {}

    RefreshListener NONE = new RefreshListener() {};
  }

  /** Its parts, built by {@link ReconcilerAssembly}. */
  private RegistryCredentialReconciler(OperatorConfig config, ProviderRegistry providers, Clock clock, RefreshListener listener,
      Duration conflictRecheck, ClusterCaches cluster, TargetIndex index, CredentialStates states,
      Credentials credentials, Replication replication, EventRecorder events, StatusWriter statusWriter,
      CredentialMemory memory, PullHealthMonitor pullHealth, PodHealer healer) {
    this.config = config;
    this.providers = providers;
    this.clock = clock;
    this.listener = listener;
    this.conflictRecheck = conflictRecheck;
    this.cluster = cluster;
    this.index = index;
    this.states = states;
    this.credentials = credentials;
    this.replication = replication;
    this.events = events;
    this.statusWriter = statusWriter;
    this.memory = memory;
    this.pullHealth = pullHealth;
    this.healer = healer;
  }

  public static DoubleSupplier randomJitter() {
    return () -> ThreadLocalRandom.current().nextDouble(-1, 1);
  }

  /** How long failed pulls count for PullsHealthy (ten minutes; shorter in tests). */
  public void pullHealthWindow(Duration window) {
    pullHealth.window(window);
  }

  /** What the phases found, and the retries they left waiting. */
  private record Result(StatusAggregator.Outcome outcome, StatusAggregator.Retries retries) {}

  @Override
  public UpdateControl<R> reconcile(R rc, Context<R> context) {
    Instant now = clock.instant();
    Set<String> touched = index.takeTouched(ResourceID.fromResource(rc));
    return report(rc, runPhases(rc, touched, now), context);
  }

  private Result runPhases(CredentialResource<?> rc, Set<String> touched, Instant now) {
    SpecCheck.Checked spec;
    try {
      spec = SpecCheck.check(rc, providers, cluster::namespaces, config);
    } catch (SpecCheck.InvalidSpec e) {
      replication.invalidate(rc);
      return new Result(new StatusAggregator.Stalled(e.reason(), e.getMessage()), StatusAggregator.Retries.NONE);
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
  private Targets targetsAmong(CredentialResource<?> rc, Set<String> some) {
    List<Namespace> namespaces = new ArrayList<>();
    some.forEach(ns -> cluster.namespace(ns).ifPresent(namespaces::add));
    try {
      return Targets.resolve(rc, namespaces, config);
    } catch (LabelSelectors.InvalidSelectorException e) {
      throw new IllegalStateException("the spec was checked: " + e.getMessage(), e);
    }
  }

  /** Phase 2: a namespace not trusted to serve others gets NotPermitted, and its Secrets elsewhere go at once. */
  private Result checkTenancy(CredentialResource<?> rc, SpecCheck.Checked spec, Supplier<Targets> targets, Instant now) {
    Optional<String> denied = SpecCheck.notPermitted(rc, config);
    if (denied.isEmpty()) {
      return null;
    }
    String own = rc.getMetadata().getNamespace();
    replication.invalidate(rc);
    replication.cleanUp(rc, spec.secretName(), targets.get().namespaces().contains(own) ? Set.of(own) : Set.of());
    return new Result(new StatusAggregator.Stalled(Reasons.NOT_PERMITTED, denied.get()), retries(rc));
  }

  /** No usable credential: every Secret still targeted stays as it is; the others are revoked all the same. */
  private Result unavailable(CredentialResource<?> rc, SpecCheck.Checked spec, Supplier<Targets> targets,
      Credentials.Obtained obtained, Instant now) {
    replication.invalidate(rc);
    replication.cleanUp(rc, spec.secretName(), targets.get().namespaces());
    ProviderException e = Objects.requireNonNull(obtained.error());
    return new Result(new StatusAggregator.Unavailable(e, obtained.expired()), retries(rc));
  }

  private Result served(CredentialResource<?> rc, SpecCheck.Checked spec, Credentials.Obtained obtained,
      StatusAggregator.Sync sync, Instant now) {
    CredentialCache.Entry entry = obtained.entry();
    var served = new StatusAggregator.Served(entry.credential().expiresAt(), entry.obtainedAt(), entry.nextRefresh(),
        entry.credential().registries(), validity(entry, spec.schedule()), entry.verified(), obtained.error(), sync,
        spec.secretName());
    return new Result(served, retries(rc));
  }

  /** The retries the phases left waiting, from the credential's state. */
  private StatusAggregator.Retries retries(CredentialResource<?> rc) {
    CredentialState state = states.of(rc);
    return new StatusAggregator.Retries(state.fetchBackoff.nextRetry().orElse(null),
        state.syncBackoff.nextRetry().orElse(null), state.cleanupBackoff.nextRetry().orElse(null));
  }

  /**
   * Phase 6: status, conditions, events and the next reconcile from the pure
   * {@link StatusAggregator}; the status written when changed.
   */
  private UpdateControl<R> report(R rc, Result result, Context<R> context) {
    RegistryCredentialStatus old = rc.getStatus() == null ? new RegistryCredentialStatus() : rc.getStatus();
    StatusAggregator.Report report = StatusAggregator.report(old, rc.getMetadata().getGeneration(),
        SpecCheck.configuredProvider(rc), result.outcome(), result.retries(), conflictRecheck, clock.instant());
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
    Duration requeue = report.requeue() == null || (recheck != null && recheck.compareTo(report.requeue()) < 0)
        ? recheck : report.requeue();
    return finish(rc, context, old, report.status(), requeue);
  }

  /**
   * Pull health (docs/pull-health.md): the PullsHealthy condition and status.pullFailures from the
   * failed pulls this credential should have served. Ready is left as it is. Returns when the
   * window lets the last failure go (null: nothing to wait for).
   */
  private Duration pullsHealthy(CredentialResource<?> rc, StatusAggregator.Outcome outcome, RegistryCredentialStatus next) {
    if (outcome instanceof StatusAggregator.Stalled) {
      return null;
    }
    Optional<SpecCheck.ServingRules> rules = SpecCheck.servingRules(rc, providers, config);
    if (rules.isEmpty()) {
      return null;
    }
    Instant now = clock.instant();
    List<PullFailure> concerning = new ArrayList<>();
    PullHealth.Verdict verdict = pullHealth.assess(rc, rules.get(), next.getRegistries(), cluster, now, concerning::add);
    if (rc.getSpec() != null && config.healsPods(rc.getSpec().getHealPods()) && !verdict.healthy()) {
      healer.heal(rc, rules.get().secretName(), concerning, cluster, now);
    }
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
  public DeleteControl cleanup(R rc, Context<R> context) {
    Duration retry = replication.removeAll(rc);
    if (retry != null) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(retry);
    }
    Duration released = providers.forSpec(rc.getSpec() == null ? null : rc.getSpec().getProvider()).map(p -> p.release(rc, clock.instant(),
        (reason, message) -> events.warning(rc, reason, message))).orElse(null);
    if (released != null) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(released);
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

  private UpdateControl<R> finish(R rc, Context<R> context,
      RegistryCredentialStatus old, RegistryCredentialStatus next, Duration rescheduleAfter) {
    listener.reconciled(rc);
    UpdateControl<R> control = statusWriter.update(rc, old, next, context, this::newOfKind);
    if (rescheduleAfter != null) {
      control.rescheduleAfter(rescheduleAfter);
    }
    return control;
  }

}
