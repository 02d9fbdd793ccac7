package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.FailedNamespace;
import io.pullsecrets.operator.api.RegistryCredentialStatus;
import io.pullsecrets.operator.api.StatusCondition;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.reconciler.Replicator.NamespaceResult.Status;
import io.pullsecrets.operator.reconciler.Replicator.NamespaceResult;
import io.pullsecrets.operator.reconciler.StatusAggregator.Event;
import io.pullsecrets.operator.reconciler.StatusAggregator.Outcome;
import io.pullsecrets.operator.reconciler.StatusAggregator.Served;
import io.pullsecrets.operator.reconciler.StatusAggregator.Stalled;
import io.pullsecrets.operator.reconciler.StatusAggregator.Sync;
import io.pullsecrets.operator.reconciler.StatusAggregator.Unavailable;
import io.pullsecrets.operator.verify.RegistryVerifier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one status function, table-driven: every combination of phase outcomes that changes Ready,
 * TokenValid, Synced, Verified, Reconciling or Stalled, and the events that go with it.
 */
class StatusAggregatorTest {
  static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
  static final Instant EXPIRES = NOW.plusSeconds(12 * 3600);

  static final ProviderException DOWN = ProviderException.transientFailure("ProviderUnavailable", "HTTP 503");
  static final ProviderException THROTTLED = ProviderException.transientFailure("Throttled", "HTTP 429");
  static final ProviderException BAD_SOURCE = ProviderException.invalid("InvalidSource", "key 'password' is missing");

  static NamespaceResult failed(String ns) {
    return new NamespaceResult(ns, Status.FAILED, "Forbidden", "HTTP 403", 0);
  }

  static NamespaceResult conflict(String ns) {
    return new NamespaceResult(ns, Status.CONFLICT, "Conflict", "Secret 'regcred' is not managed by this RegistryCredential", 0);
  }

  static NamespaceResult notWatched(String ns) {
    return new NamespaceResult(ns, Status.FAILED, io.pullsecrets.operator.api.Reasons.NOT_WATCHED, "namespace is not among the operator's watched namespaces", 0);
  }

  static Sync sync(int targeted, NamespaceResult... problems) {
    int synced = targeted - (int) Stream.of(problems).filter(p -> !io.pullsecrets.operator.api.Reasons.NOT_WATCHED.equals(p.reason())).count();
    return new Sync(targeted, synced, List.of(problems), 0);
  }

  static Served served(Sync sync, RegistryVerifier.Result verified, ProviderException fetchError) {
    return new Served(EXPIRES, NOW, EXPIRES.minusSeconds(3600), List.of("registry.example.com"),
        "token valid until " + EXPIRES, verified, fetchError, sync, "regcred");
  }

  static Served served(Sync sync) {
    return served(sync, null, null);
  }

  static Arguments row(String name, Outcome outcome, String expected) {
    return Arguments.of(name, outcome, expected);
  }

  /** Expected conditions as "Type=Status/Reason", in status order; absent types are absent. */
  static Stream<Arguments> table() {
    return Stream.of(
        row("invalid spec", new Stalled("InvalidSpec", "spec is missing"),
            "Ready=False/InvalidSpec Stalled=True/InvalidSpec"),
        row("untrusted namespace", new Stalled("NotPermitted", "not trusted"),
            "Ready=False/NotPermitted Stalled=True/NotPermitted"),
        row("first fetch fails, retryable", new Unavailable(DOWN, false),
            "Ready=False/ProviderUnavailable TokenValid=False/ProviderUnavailable Reconciling=True/ProviderUnavailable"),
        row("first fetch fails, bad input", new Unavailable(BAD_SOURCE, false),
            "Ready=False/InvalidSource TokenValid=False/InvalidSource Stalled=True/InvalidSource"),
        row("token expired, refresh failing", new Unavailable(THROTTLED, true),
            "Ready=False/TokenExpired TokenValid=False/TokenExpired Reconciling=True/Throttled"),
        row("token expired, refresh input broken", new Unavailable(BAD_SOURCE, true),
            "Ready=False/TokenExpired TokenValid=False/TokenExpired Stalled=True/InvalidSource"),
        row("all synced", served(sync(3)),
            "Ready=True/Synced TokenValid=True/Valid Synced=True/Synced"),
        row("no namespace matches", served(sync(0)),
            "Ready=True/Synced TokenValid=True/Valid Synced=True/Synced"),
        row("verified", served(sync(1), new RegistryVerifier.Result(true, 200, "registry accepted it"), null),
            "Ready=True/Synced TokenValid=True/Valid Synced=True/Synced Verified=True/Verified"),
        row("registry says 401", served(sync(1), new RegistryVerifier.Result(false, 401, "denied"), null),
            "Ready=True/Synced TokenValid=True/Valid Synced=True/Synced Verified=False/Unauthorized"),
        row("registry says 403", served(sync(1), new RegistryVerifier.Result(false, 403, "denied"), null),
            "Ready=True/Synced TokenValid=True/Valid Synced=True/Synced Verified=False/Forbidden"),
        row("registry says 500", served(sync(1), new RegistryVerifier.Result(false, 500, "oops"), null),
            "Ready=True/Synced TokenValid=True/Valid Synced=True/Synced Verified=False/UnexpectedStatus"),
        row("registry unreachable", served(sync(1), new RegistryVerifier.Result(false, 0, "connection refused"), null),
            "Ready=True/Synced TokenValid=True/Valid Synced=True/Synced Verified=False/Unreachable"),
        row("registry address refused", served(sync(1), new RegistryVerifier.Result(false, 0, "loopback", "Refused"), null),
            "Ready=True/Synced TokenValid=True/Valid Synced=True/Synced Verified=False/Refused"),
        row("refresh failing, last token serves", served(sync(2), null, DOWN),
            "Ready=True/Synced TokenValid=True/Valid Synced=True/Synced Reconciling=True/ProviderUnavailable"),
        row("source broken, last token serves", served(sync(2), null, BAD_SOURCE),
            "Ready=False/InvalidSource TokenValid=True/Valid Synced=True/Synced Stalled=True/InvalidSource"),
        row("one namespace fails", served(sync(2, failed("team-b"))),
            "Ready=False/SyncFailed TokenValid=True/Valid Synced=False/SyncFailed Reconciling=True/Retrying"),
        row("conflicts only", served(sync(2, conflict("team-b"))),
            "Ready=False/Conflict TokenValid=True/Valid Synced=False/Conflict Stalled=True/Conflict"),
        row("conflict and failure", served(sync(3, conflict("team-b"), failed("team-c"))),
            "Ready=False/SyncFailed TokenValid=True/Valid Synced=False/SyncFailed Reconciling=True/Retrying Stalled=True/Conflict"),
        row("a namespace not watched", served(sync(2, notWatched("elsewhere"))),
            "Ready=False/SyncFailed TokenValid=True/Valid Synced=False/SyncFailed"),
        row("refresh failing and a namespace failing", served(sync(2, failed("team-b")), null, THROTTLED),
            "Ready=False/SyncFailed TokenValid=True/Valid Synced=False/SyncFailed Reconciling=True/Throttled"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void conditionsFollowFromTheOutcome(String name, Outcome outcome, String expected) {
    RegistryCredentialStatus status = report(new RegistryCredentialStatus(), outcome).status();
    assertThat(describe(status)).isEqualTo(expected);
    assertThat(status.getObservedGeneration()).isEqualTo(3L);
    assertThat(status.getConditions()).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(3L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void theSameOutcomeTwiceChangesNothingAndWarnsOnce(String name, Outcome outcome, String expected) {
    StatusAggregator.Report first = report(new RegistryCredentialStatus(), outcome);
    StatusAggregator.Report second = StatusAggregator.report(first.status(), 3L, "static", outcome, NOW.plusSeconds(60));
    assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(second.status()))
        .isEqualTo(io.fabric8.kubernetes.client.utils.Serialization.asJson(first.status()));
    assertThat(second.events()).as("events the second time").noneMatch(Event::warning);
  }

  @Test
  void recoveryClearsReconcilingAndStalledAndKeepsTransitionTimesOfUnchangedConditions() {
    RegistryCredentialStatus failing = report(new RegistryCredentialStatus(), served(sync(2, failed("team-b")), null, DOWN)).status();
    StatusAggregator.Report healed = StatusAggregator.report(failing, 3L, "static", served(sync(2)), NOW.plusSeconds(90));
    assertThat(describe(healed.status())).isEqualTo("Ready=True/Synced TokenValid=True/Valid Synced=True/Synced");
    assertThat(condition(healed.status(), "TokenValid").getLastTransitionTime()).isEqualTo(NOW.toString());
    assertThat(condition(healed.status(), "Ready").getLastTransitionTime()).isEqualTo(NOW.plusSeconds(90).toString());
    assertThat(healed.status().getFailedNamespaces()).isNull();
    assertThat(healed.status().getNamespaces().getFailed()).isZero();
  }

  @Test
  void servedStatusCarriesTheCredentialsTimesAndAtMostTwentyFailedNamespaces() {
    List<NamespaceResult> problems = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      problems.add(failed(String.format("team-%02d", i)));
    }
    RegistryCredentialStatus status = report(new RegistryCredentialStatus(),
        served(new Sync(30, 5, problems, 7))).status();
    assertThat(status.getExpiresAt()).isEqualTo(EXPIRES.toString());
    assertThat(status.getLastRefreshTime()).isEqualTo(NOW.toString());
    assertThat(status.getNextRefreshTime()).isEqualTo(EXPIRES.minusSeconds(3600).toString());
    assertThat(status.getRegistries()).containsExactly("registry.example.com");
    assertThat(status.getNamespaces().getTargeted()).isEqualTo(30);
    assertThat(status.getNamespaces().getSynced()).isEqualTo(5);
    assertThat(status.getNamespaces().getFailed()).isEqualTo(25);
    assertThat(status.getFailedNamespaces()).hasSize(StatusAggregator.FAILED_NAMESPACES_SHOWN);
    assertThat(condition(status, "Synced").getMessage()).startsWith("5/30 namespaces; 25 Forbidden (first: team-00: HTTP 403)");
  }

  @Test
  void aStalledOrUnavailableCredentialKeepsWhatWasLastServed() {
    RegistryCredentialStatus servedStatus = report(new RegistryCredentialStatus(), served(sync(2))).status();
    RegistryCredentialStatus stalled = report(servedStatus, new Stalled("InvalidSpec", "bad")).status();
    assertThat(stalled.getExpiresAt()).isEqualTo(servedStatus.getExpiresAt());
    assertThat(stalled.getNamespaces().getSynced()).isEqualTo(2);
    assertThat(stalled.getProvider()).isEqualTo("static");
  }

  /** Events: which outcome, after which previous outcome, records which events. */
  static Stream<Arguments> events() {
    Sync wrote = new Sync(2, 2, List.of(), 4);
    return Stream.of(
        Arguments.of("first sync writes", null, served(wrote), "Normal/Synced"),
        Arguments.of("nothing written", null, served(sync(2)), ""),
        Arguments.of("Ready turns False", served(sync(2)), served(sync(2, failed("team-b"))), "Warning/SyncFailed"),
        Arguments.of("still failing the same way", served(sync(2, failed("team-b"))), served(sync(2, failed("team-b"))), ""),
        Arguments.of("a first conflict is one warning", served(sync(2)), served(sync(2, conflict("team-b"))), "Warning/Conflict"),
        Arguments.of("a new conflict while failing", served(sync(3, failed("team-c"))),
            served(sync(3, failed("team-c"), conflict("team-b"))), "Warning/Conflict"),
        Arguments.of("the same conflict again", served(sync(2, conflict("team-b"))), served(sync(2, conflict("team-b"))), ""),
        Arguments.of("refresh starts failing", served(sync(2)), served(sync(2), null, DOWN), "Warning/RefreshFailed"),
        Arguments.of("refresh fails the same way", served(sync(2), null, DOWN), served(sync(2), null, DOWN), ""),
        Arguments.of("refresh fails another way", served(sync(2), null, DOWN), served(sync(2), null, THROTTLED), "Warning/RefreshFailed"),
        Arguments.of("first fetch fails", null, new Unavailable(DOWN, false), "Warning/ProviderUnavailable"),
        Arguments.of("token expires", served(sync(2), null, DOWN), new Unavailable(DOWN, true), "Warning/TokenExpired"),
        Arguments.of("spec becomes invalid", served(sync(2)), new Stalled("InvalidSpec", "bad"), "Warning/InvalidSpec"),
        Arguments.of("writes while a namespace fails", served(sync(2)),
            served(new Sync(2, 1, List.of(failed("team-b")), 2)), "Normal/Synced Warning/SyncFailed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("events")
  void eventsFollowTransitions(String name, Outcome before, Outcome now, String expected) {
    RegistryCredentialStatus old = before == null ? new RegistryCredentialStatus() : report(new RegistryCredentialStatus(), before).status();
    List<Event> events = StatusAggregator.report(old, 3L, "static", now, NOW.plusSeconds(30)).events();
    assertThat(events.stream().map(e -> (e.warning() ? "Warning/" : "Normal/") + e.reason()).collect(Collectors.joining(" ")))
        .isEqualTo(expected);
  }

  @Test
  void conflictsAlreadyReportedAreNotWarnedAgain() {
    RegistryCredentialStatus old = new RegistryCredentialStatus();
    old.setFailedNamespaces(List.of(new FailedNamespace("team-b", "Conflict", "held by someone else")));
    List<Event> events = StatusAggregator.report(old, 3L, "static", served(sync(3, failed("team-c"), conflict("team-b"))), NOW).events();
    assertThat(events).extracting(Event::reason).containsExactly("SyncFailed");
  }

  static StatusAggregator.Report report(RegistryCredentialStatus old, Outcome outcome) {
    return StatusAggregator.report(old, 3L, "static", outcome, NOW);
  }

  static StatusCondition condition(RegistryCredentialStatus status, String type) {
    return status.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
  }

  static String describe(RegistryCredentialStatus status) {
    return status.getConditions().stream().map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
        .collect(Collectors.joining(" "));
  }
}
