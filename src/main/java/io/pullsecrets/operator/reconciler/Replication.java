package io.pullsecrets.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.reconciler.Replicator.NamespaceResult;
import io.pullsecrets.operator.reconciler.StatusAggregator.Sync;
import io.pullsecrets.operator.spec.Targets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Phases 4 and 5 of a reconcile: replicate the credential into its target namespaces, then clean
 * up everywhere else. A full pass looks at every target namespace; when only some namespaces had
 * events since the last full pass (and nothing else changed), an incremental pass looks at those
 * alone, so an event costs work in proportion to its namespace, not to all targets. Namespaces
 * whose writes failed back off on their own; the others go on.
 */
final class Replication {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Replication.class);
  /** The safety net: however quiet, a credential gets a full pass at least this often. */
  static final Duration FULL_PASS_EVERY = Duration.ofMinutes(10);

  /**
   * The last full pass of a credential, kept up to date by incremental passes.
   *
   * @param key what the namespaces hold (Secret name, credential and the inputs it came from); another key needs a full pass
   * @param problems namespaces whose sync did not succeed, by name
   * @param cleanup namespaces where removing a Secret failed
   * @param writes objects written by the pass
   */
  record Pass(String key, long epoch, Instant at, Targets targets, Map<String, NamespaceResult> problems,
      List<NamespaceResult> cleanup, int writes) {}

  private final Replicator replicator;
  private final TargetIndex index;
  private final CredentialStates states;
  /** Reads the time a failure was answered: a server's Retry-After counts from its answer, not from the pass's start. */
  private final Clock clock;

  Replication(Replicator replicator, TargetIndex index, CredentialStates states, Clock clock) {
    this.replicator = replicator;
    this.index = index;
    this.states = states;
    this.clock = clock;
  }

  /**
   * Replicates and cleans up.
   *
   * @param targets every target namespace (a full pass)
   * @param resolveSome the targets among some namespaces (an incremental pass: whether each touched namespace is one)
   * @param touched namespaces with events since the last reconcile
   */
  Sync serve(CredentialResource<?> rc, String secretName, CredentialCache.Entry entry, Supplier<Targets> targets,
      Function<Set<String>, Targets> resolveSome, Set<String> touched, Instant now) {
    CredentialState state = states.of(rc);
    // The inputs start with the generation the credential was obtained at: a spec change means a new one.
    String key = secretName + "|" + entry.inputs() + "|" + entry.obtainedAt();
    Pass last = state.pass;
    Pass pass = incremental(last, key, touched, state, now)
        ? incrementalPass(rc, state, secretName, entry, last, resolveSome.apply(touched), touched, now)
        : fullPass(rc, state, secretName, entry, key, targets, now);
    state.pass = remembered(pass);
    return sync(pass);
  }

  /** The pass as a credential's state keeps it till the next: its namespaces in compact sorted arrays. */
  private static Pass remembered(Pass pass) {
    Targets t = pass.targets();
    return new Pass(pass.key(), pass.epoch(), pass.at(),
        new Targets(SortedStrings.of(t.namespaces()), SortedStrings.of(t.notWatched()), t.serviceAccounts()),
        pass.problems(), pass.cleanup(), pass.writes());
  }

  /**
   * Whether the touched namespaces are all that can have changed: same key, no namespace deleted
   * (the epoch), no retry due and the safety net not due. A touched namespace may be new, or
   * newly (un)selected: the incremental pass resolves whether each one is a target.
   */
  private boolean incremental(Pass last, String key, Set<String> touched, CredentialState state, Instant now) {
    return last != null && !touched.isEmpty() && last.key().equals(key) && last.epoch() == index.epoch()
        && now.isBefore(last.at().plus(FULL_PASS_EVERY))
        && !state.syncBackoff.anyDue(now) && !state.cleanupBackoff.anyDue(now);
  }

  private Pass fullPass(CredentialResource<?> rc, CredentialState state, String secretName, CredentialCache.Entry entry,
      String key, Supplier<Targets> resolve, Instant now) {
    long epoch = index.epoch();
    Targets targets = resolve.get();
    // Indexed before the writes: a ServiceAccount created while they run (the controller manager
    // makes `default` just after a namespace) is an event this credential hears, not one lost.
    index.update(ResourceID.fromResource(rc), state, targets.namespaces());
    Replicated replicated = replicate(rc, state, secretName, entry, key, targets, targets.namespaces(), now);
    state.syncBackoff.retainOnly(targets.namespaces());
    Replicator.Outcome cleanup = cleanUp(rc, secretName, targets.namespaces());
    return new Pass(key, epoch, now, targets, replicated.problems(), cleanup.cleanupFailures(),
        replicated.writes() + cleanup.writes());
  }

  /**
   * Syncs the touched namespaces that are targets ({@code resolved}, the targets among the touched);
   * a touched namespace that is not (no longer, or never was) gets the cleanup of a full pass, so a
   * new namespace costs one namespace of work, not a pass over all of them.
   */
  private Pass incrementalPass(CredentialResource<?> rc, CredentialState state, String secretName,
      CredentialCache.Entry entry, Pass last, Targets resolved, Set<String> touched, Instant now) {
    SortedSet<String> namespaces = new TreeSet<>(last.targets().namespaces());
    namespaces.removeAll(touched);
    namespaces.addAll(resolved.namespaces());
    SortedSet<String> notWatched = new TreeSet<>(last.targets().notWatched());
    notWatched.removeAll(touched);
    notWatched.addAll(resolved.notWatched());
    Targets targets = new Targets(namespaces, notWatched, last.targets().serviceAccounts());
    if (!namespaces.equals(last.targets().namespaces())) {
      // Before the writes, as in a full pass.
      index.update(ResourceID.fromResource(rc), state, namespaces);
    }
    Replicated replicated = replicate(rc, state, secretName, entry, last.key(), targets, resolved.namespaces(), now);
    Map<String, NamespaceResult> problems = new TreeMap<>(last.problems());
    problems.keySet().removeAll(touched);
    problems.putAll(replicated.problems());
    List<NamespaceResult> cleanup = last.cleanup();
    int writes = replicated.writes();
    if (!resolved.namespaces().containsAll(touched)) {
      state.syncBackoff.retainOnly(namespaces);
      Replicator.Outcome outcome = cleanUp(rc, secretName, namespaces);
      cleanup = outcome.cleanupFailures();
      writes += outcome.writes();
    }
    return new Pass(last.key(), last.epoch(), last.at(), targets, problems, cleanup, writes);
  }

  private record Replicated(Map<String, NamespaceResult> problems, int writes) {}

  /** Syncs {@code namespaces}, except those backing off after their own failure (they keep it). */
  private Replicated replicate(CredentialResource<?> rc, CredentialState state, String secretName,
      CredentialCache.Entry entry, String key, Targets targets, Set<String> namespaces, Instant now) {
    Map<String, NamespaceResult> problems = new TreeMap<>();
    for (String ns : namespaces) {
      state.syncBackoff.held(ns, key, now).ifPresent(held -> problems.put(ns, held));
    }
    Targets these = new Targets(new TreeSet<>(namespaces), new TreeSet<>(), targets.serviceAccounts());
    Replicator.Outcome synced = replicator.sync(rc, secretName, entry.credential().dockerConfigJson(), these, problems.keySet());
    Instant answered = clock.instant();
    for (NamespaceResult r : synced.results()) {
      if (r.status() == NamespaceResult.Status.FAILED) {
        state.syncBackoff.failed(r.namespace(), r, r.retryAfter(), key, answered);
      } else {
        state.syncBackoff.succeeded(r.namespace());
      }
      if (r.status() != NamespaceResult.Status.SYNCED) {
        problems.put(r.namespace(), r);
      }
    }
    return new Replicated(problems, synced.writes());
  }

  /**
   * Removes this credential's Secrets and service account entries from every namespace not in
   * {@code keep}. Runs on every full pass, whatever the state of the credential: revoking access
   * never waits for a working credential.
   */
  Replicator.Outcome cleanUp(CredentialResource<?> rc, String secretName, Set<String> keep) {
    Backoff<NamespaceResult> backoff = states.of(rc).cleanupBackoff;
    Replicator.Outcome outcome = replicator.removeUntargeted(rc, secretName, keep);
    Set<String> failing = outcome.cleanupFailures().stream().map(NamespaceResult::namespace).collect(Collectors.toSet());
    backoff.retainOnly(failing);
    Instant answered = clock.instant();
    outcome.cleanupFailures().forEach(f -> backoff.failed(f.namespace(), f, f.retryAfter(), "cleanup", answered));
    return outcome;
  }

  /**
   * Removes every Secret and entry of a credential being deleted: null when done, else how long
   * to wait before trying again.
   */
  Duration removeAll(CredentialResource<?> rc) {
    Backoff<NamespaceResult> backoff = states.of(rc).cleanupBackoff;
    Replicator.Outcome outcome = replicator.removeAll(rc);
    if (outcome.cleanupComplete()) {
      return null;
    }
    LOG.warn("cleanup incomplete in {} namespace(s); retrying", outcome.cleanupFailures().size());
    Instant answered = clock.instant();
    outcome.cleanupFailures().forEach(f -> backoff.failed(f.namespace(), f, f.retryAfter(), "delete", answered));
    return Duration.between(answered, backoff.nextRetry().orElse(answered.plus(Backoff.MIN)));
  }

  /** Drops the last pass, so that the next one is full (after a reconcile that served nothing). */
  void invalidate(CredentialResource<?> rc) {
    states.of(rc).pass = null;
  }

  private static Sync sync(Pass pass) {
    List<NamespaceResult> problems = new ArrayList<>();
    pass.targets().notWatched().forEach(ns -> problems.add(new NamespaceResult(ns, NamespaceResult.Status.FAILED,
        Reasons.NOT_WATCHED, "namespace is not among the operator's watched namespaces", 0)));
    problems.addAll(pass.problems().values());
    problems.addAll(pass.cleanup());
    problems.sort(Comparator.comparing(NamespaceResult::namespace));
    int targeted = pass.targets().namespaces().size() + pass.targets().notWatched().size();
    int synced = pass.targets().namespaces().size() - pass.problems().size();
    return new Sync(targeted, synced, List.copyOf(problems), pass.writes());
  }
}
