package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.pullsecrets.operator.api.FailedNamespace;
import io.pullsecrets.operator.api.NamespaceCounts;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.RegistryCredentialStatus;
import io.pullsecrets.operator.api.StatusCondition;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.reconciler.Replicator.NamespaceResult;
import io.pullsecrets.operator.verify.RegistryVerifier;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Phase 6 of a reconcile, and the only place that decides status, conditions, events and when to
 * reconcile again: a pure function of the previous status, what the other phases found and the
 * retries they left waiting. No I/O, no clock, no state.
 */
public final class StatusAggregator {
  public static final int FAILED_NAMESPACES_SHOWN = 20;

  private StatusAggregator() {}

  /** What the phases found: exactly one of three shapes. */
  public sealed interface Outcome {}

  /** The spec cannot be served (InvalidSpec, NotPermitted): nothing is written until it changes. */
  public record Stalled(String reason, String message) implements Outcome {}

  /**
   * No usable credential: the fetch failed and nothing cached is still valid.
   *
   * @param expired a credential was obtained before, and it has expired
   */
  public record Unavailable(ProviderException error, boolean expired) implements Outcome {}

  /**
   * A credential was replicated.
   *
   * @param fetchError the refresh that failed while the last good credential still serves, or null
   * @param validity "token valid until ..." or "credential does not expire", for messages
   * @param verified the registry's answer to this credential, or null when not asked
   */
  public record Served(Instant expiresAt, Instant obtainedAt, Instant nextRefresh, List<String> registries,
      String validity, RegistryVerifier.Result verified, ProviderException fetchError, Sync sync, String secretName)
      implements Outcome {}

  /**
   * Where the credential stands in its namespaces.
   *
   * @param problems every namespace not synced (not watched, conflict, failed, cleanup failed), by name
   * @param writes objects written in this pass
   */
  public record Sync(int targeted, int synced, List<NamespaceResult> problems, int writes) {
    public long conflicts() {
      return problems.stream().filter(p -> p.status() == NamespaceResult.Status.CONFLICT).count();
    }

    boolean retryableFailures() {
      return problems.stream().anyMatch(p -> p.status() == NamespaceResult.Status.FAILED && !Reasons.NOT_WATCHED.equals(p.reason()));
    }
  }

  /** An Event to record on the RegistryCredential. */
  public record Event(boolean warning, String reason, String message) {}

  /**
   * The retries the phases left waiting, as instants (null: none): a failed fetch backing off,
   * namespaces whose writes back off, namespaces where removing a Secret backs off.
   */
  public record Retries(Instant fetch, Instant sync, Instant cleanup) {
    public static final Retries NONE = new Retries(null, null, null);
  }

  /**
   * The new status, the events that go with it, and when to reconcile again (null: only on the
   * next event; never negative).
   */
  public record Report(RegistryCredentialStatus status, List<Event> events, Duration requeue) {}

  /** With no retry waiting and the default conflict re-check. */
  public static Report report(RegistryCredentialStatus old, Long generation, String provider, Outcome outcome, Instant now) {
    return report(old, generation, provider, outcome, Retries.NONE, RegistryCredentialReconciler.CONFLICT_RECHECK, now);
  }

  /**
   * @param conflictRecheck how often namespaces in Conflict are looked at again (foreign Secrets
   *     are not watched)
   */
  public static Report report(RegistryCredentialStatus old, Long generation, String provider, Outcome outcome,
      Retries retries, Duration conflictRecheck, Instant now) {
    RegistryCredentialStatus next = copyOf(old);
    next.setObservedGeneration(generation);
    next.setProvider(provider);
    Conditions conditions = new Conditions(old.getConditions(), generation, now);
    List<Event> events = new ArrayList<>();
    if (outcome instanceof Stalled s) {
      stalled(conditions, s);
    } else if (outcome instanceof Unavailable u) {
      unavailable(conditions, u);
    } else if (outcome instanceof Served s) {
      served(old, next, conditions, s, events);
    }
    next.setConditions(conditions.toList());
    List<Event> all = new ArrayList<>(events.stream().filter(e -> !e.warning()).toList());
    Event readyWarning = readyWarning(conditions);
    if (readyWarning != null) {
      all.add(readyWarning);
    }
    if (outcome instanceof Served s) {
      all.addAll(servedWarnings(old, conditions, s, readyWarning));
    }
    return new Report(next, List.copyOf(all), requeue(outcome, retries, conflictRecheck, now));
  }

  /**
   * When to reconcile again. Stalled: when a failed cleanup may be retried (revoking access goes
   * on), else only on the next event. Unavailable: the earliest of a retryable fetch's retry and a
   * cleanup's. Served: {@link #afterServing}. Never negative: a retry already due runs at once.
   */
  static Duration requeue(Outcome outcome, Retries retries, Duration conflictRecheck, Instant now) {
    Duration after = null;
    if (outcome instanceof Stalled) {
      after = until(now, retries.cleanup());
    } else if (outcome instanceof Unavailable u) {
      after = until(now, earliest(u.error().retryable() ? retries.fetch() : null, retries.cleanup()));
    } else if (outcome instanceof Served s) {
      ProviderException e = s.fetchError();
      Instant retryAt = earliest(e != null && e.retryable() ? retries.fetch() : null,
          earliest(retries.sync(), retries.cleanup()));
      after = afterServing(s, retryAt, conflictRecheck, now);
    }
    return after == null || !after.isNegative() ? after : Duration.ZERO;
  }

  /**
   * When to reconcile again after serving: the earliest retry (a failed fetch, a namespace backing
   * off, a failed cleanup), but never after the token expires; else the next refresh; the conflict
   * re-check when a namespace is in Conflict; and at least every {@link Replication#FULL_PASS_EVERY}.
   */
  private static Duration afterServing(Served s, Instant retryAt, Duration conflictRecheck, Instant now) {
    Instant at = earliest(retryAt, s.nextRefresh());
    Instant expiresAt = s.expiresAt();
    if (retryAt != null && expiresAt != null && !expiresAt.isBefore(now)) {
      at = earliest(at, expiresAt.plusSeconds(1));
    }
    Duration after = at == null ? Replication.FULL_PASS_EVERY : Duration.between(now, at);
    if (s.sync().conflicts() > 0 && after.compareTo(conflictRecheck) > 0) {
      after = conflictRecheck;
    }
    return after.compareTo(Replication.FULL_PASS_EVERY) > 0 ? Replication.FULL_PASS_EVERY : after;
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
  }

  private static Duration until(Instant now, Instant at) {
    return at == null ? null : Duration.between(now, at);
  }

  private static void stalled(Conditions conditions, Stalled s) {
    conditions.set(Conditions.READY, false, s.reason(), s.message());
    conditions.set(Conditions.STALLED, true, s.reason(), s.message());
    conditions.remove(Conditions.RECONCILING);
  }

  private static void unavailable(Conditions conditions, Unavailable u) {
    ProviderException e = u.error();
    String reason = u.expired() ? Reasons.TOKEN_EXPIRED : e.reason();
    String message = u.expired() ? "the last credential expired and refresh failed: " + e.getMessage() : e.getMessage();
    conditions.set(Conditions.TOKEN_VALID, false, reason, message);
    conditions.set(Conditions.READY, false, reason, message);
    if (e.retryable()) {
      conditions.set(Conditions.RECONCILING, true, e.reason(), "retrying: " + e.getMessage());
      conditions.remove(Conditions.STALLED);
    } else {
      conditions.set(Conditions.STALLED, true, e.reason(), message);
      conditions.remove(Conditions.RECONCILING);
    }
  }

  private static void served(RegistryCredentialStatus old, RegistryCredentialStatus next, Conditions conditions,
      Served s, List<Event> events) {
    Sync sync = s.sync();
    next.setRegistries(s.registries());
    next.setExpiresAt(format(s.expiresAt()));
    next.setLastRefreshTime(format(s.obtainedAt()));
    next.setNextRefreshTime(format(s.nextRefresh()));
    next.setNamespaces(new NamespaceCounts(sync.targeted(), sync.synced(), sync.problems().size()));
    next.setFailedNamespaces(sync.problems().isEmpty() ? null : sync.problems().stream().limit(FAILED_NAMESPACES_SHOWN)
        .map(p -> new FailedNamespace(p.namespace(), p.reason(), p.message())).toList());
    ProviderException fetchError = s.fetchError();
    conditions.set(Conditions.TOKEN_VALID, true, Reasons.VALID,
        fetchError == null ? s.validity() : s.validity() + "; last refresh failed: " + fetchError.getMessage());
    verified(conditions, s.verified());
    synced(conditions, sync);
    ready(conditions, s);
    reconciling(conditions, s);
    stalledBy(conditions, s);
    if (sync.writes() > 0) {
      events.add(new Event(false, Reasons.SYNCED, "Secret '" + s.secretName() + "': " + counts(sync) + " synced ("
          + sync.writes() + " objects written)"));
    }
  }

  private static void verified(Conditions conditions, RegistryVerifier.Result verified) {
    if (verified == null) {
      conditions.remove(Conditions.VERIFIED);
    } else if (verified.ok()) {
      conditions.set(Conditions.VERIFIED, true, Reasons.VERIFIED, verified.message());
    } else {
      int code = verified.httpStatus();
      String reason = verified.reason() != null ? verified.reason() : switch (code) {
        case 0 -> Reasons.UNREACHABLE;
        case 401 -> Reasons.UNAUTHORIZED;
        case 403 -> Reasons.FORBIDDEN;
        default -> Reasons.UNEXPECTED_STATUS;
      };
      conditions.set(Conditions.VERIFIED, false, reason, (code == 0 ? "" : "HTTP " + code + ": ") + verified.message());
    }
  }

  private static void synced(Conditions conditions, Sync sync) {
    if (sync.problems().isEmpty()) {
      conditions.set(Conditions.SYNCED, true, Reasons.SYNCED, sync.targeted() == 0 ? "no namespace matches the targets" : counts(sync));
    } else {
      String reason = sync.conflicts() == sync.problems().size() ? Reasons.CONFLICT : Reasons.SYNC_FAILED;
      conditions.set(Conditions.SYNCED, false, reason, counts(sync) + "; " + summarize(sync.problems()));
    }
  }

  private static void ready(Conditions conditions, Served s) {
    ProviderException fetchError = s.fetchError();
    if (fetchError != null && !fetchError.retryable()) {
      conditions.set(Conditions.READY, false, fetchError.reason(),
          fetchError.getMessage() + "; replicated Secrets keep the last good credential");
    } else if (!s.sync().problems().isEmpty()) {
      StatusCondition synced = conditions.get(Conditions.SYNCED).orElseThrow();
      conditions.set(Conditions.READY, false, synced.getReason(), synced.getMessage());
    } else {
      conditions.set(Conditions.READY, true, Reasons.SYNCED,
          (s.sync().targeted() == 0 ? "no namespace matches the targets" : counts(s.sync())) + "; " + s.validity());
    }
  }

  private static void reconciling(Conditions conditions, Served s) {
    ProviderException fetchError = s.fetchError();
    if (fetchError != null && fetchError.retryable()) {
      conditions.set(Conditions.RECONCILING, true, fetchError.reason(), "refresh failed, retrying: " + fetchError.getMessage());
    } else if (s.sync().retryableFailures()) {
      conditions.set(Conditions.RECONCILING, true, Reasons.RETRYING, "retrying namespaces that failed");
    } else {
      conditions.remove(Conditions.RECONCILING);
    }
  }

  private static void stalledBy(Conditions conditions, Served s) {
    ProviderException fetchError = s.fetchError();
    long conflicts = s.sync().conflicts();
    if (fetchError != null && !fetchError.retryable()) {
      conditions.set(Conditions.STALLED, true, fetchError.reason(), fetchError.getMessage());
    } else if (conflicts > 0) {
      conditions.set(Conditions.STALLED, true, Reasons.CONFLICT, conflicts + " namespace(s) hold a Secret named '"
          + s.secretName() + "' that this RegistryCredential does not manage");
    } else {
      conditions.remove(Conditions.STALLED);
    }
  }

  /** A Warning when Ready turns False or changes its reason while False. */
  private static Event readyWarning(Conditions conditions) {
    StatusCondition now = conditions.get(Conditions.READY).orElse(null);
    StatusCondition before = conditions.previous(Conditions.READY).orElse(null);
    if (now == null || "True".equals(now.getStatus())) {
      return null;
    }
    if (before == null || !"False".equals(before.getStatus()) || !Objects.equals(before.getReason(), now.getReason())) {
      return new Event(true, now.getReason(), now.getMessage());
    }
    return null;
  }

  /** Warnings for new conflicts (unless Ready just warned about them) and for a refresh failing anew. */
  private static List<Event> servedWarnings(RegistryCredentialStatus old, Conditions conditions, Served s, Event readyWarning) {
    List<Event> events = new ArrayList<>();
    Set<String> oldConflicts = old.getFailedNamespaces() == null ? Set.of() : old.getFailedNamespaces().stream()
        .filter(f -> Reasons.CONFLICT.equals(f.getReason())).map(FailedNamespace::getNamespace).collect(Collectors.toSet());
    List<NamespaceResult> newConflicts = s.sync().problems().stream()
        .filter(p -> p.status() == NamespaceResult.Status.CONFLICT && !oldConflicts.contains(p.namespace())).toList();
    if (!newConflicts.isEmpty() && (readyWarning == null || !Reasons.CONFLICT.equals(readyWarning.reason()))) {
      events.add(new Event(true, Reasons.CONFLICT, summarize(newConflicts)));
    }
    ProviderException fetchError = s.fetchError();
    if (fetchError != null && fetchError.retryable()) {
      StatusCondition before = conditions.previous(Conditions.RECONCILING).orElse(null);
      if (before == null || !fetchError.reason().equals(before.getReason())) {
        events.add(new Event(true, Reasons.REFRESH_FAILED, fetchError.reason() + ": " + fetchError.getMessage() + "; "
            + s.validity() + ", retrying"));
      }
    }
    return events;
  }

  private static String counts(Sync sync) {
    return sync.synced() + "/" + sync.targeted() + " namespaces";
  }

  static String summarize(List<NamespaceResult> problems) {
    Map<String, Long> byReason = problems.stream()
        .collect(Collectors.groupingBy(NamespaceResult::reason, TreeMap::new, Collectors.counting()));
    String counts = byReason.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
    NamespaceResult first = problems.get(0);
    return counts + " (first: " + first.namespace() + ": " + first.message() + ")";
  }

  static String format(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static RegistryCredentialStatus copyOf(RegistryCredentialStatus s) {
    return Serialization.unmarshal(Serialization.asJson(s), RegistryCredentialStatus.class);
  }
}
