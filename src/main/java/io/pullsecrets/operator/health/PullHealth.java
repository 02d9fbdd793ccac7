package io.pullsecrets.operator.health;

import io.pullsecrets.operator.api.PullFailures;
import io.pullsecrets.operator.api.Reasons;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * The pure part of pull health: which failed pulls concern a credential, and what its
 * {@code PullsHealthy} condition, {@code status.pullFailures} and Warning say about them. No I/O,
 * no clock.
 */
public final class PullHealth {
  public static final String CONDITION = "PullsHealthy";
  /** Failures older than this no longer count. */
  public static final Duration WINDOW = Duration.ofMinutes(10);
  /** At most this many pods are listed in status.pullFailures.recent. */
  public static final int RECENT_SHOWN = 5;
  /** Longest kubelet message quoted in the condition. */
  static final int MESSAGE_QUOTED = 300;

  private PullHealth() {}

  /** A failed pull and the ServiceAccount of its pod (null when unknown). */
  public record Seen(PullFailure failure, String serviceAccount) {}

  /**
   * Whether a credential should have served this failed pull: one of its registries serves the
   * image (kubelet rules, {@link RegistryMatch}), and it serves the pod's ServiceAccount in the
   * pod's namespace ({@code serves}: the reconciler's and the webhook's own rule). A pod whose
   * ServiceAccount is unknown concerns no credential.
   */
  public static boolean concerns(Seen seen, List<String> registries, BiPredicate<String, String> serves) {
    if (seen.serviceAccount() == null || seen.serviceAccount().isEmpty() || registries == null) {
      return false;
    }
    PullFailure f = seen.failure();
    return registries.stream().anyMatch(r -> RegistryMatch.serves(r, f.image()))
        && serves.test(f.namespace(), seen.serviceAccount());
  }

  /**
   * What the condition says.
   *
   * @param healthy PullsHealthy's status
   * @param recheckIn when the window lets the most recent auth failure go (null: nothing to wait for)
   */
  public record Verdict(boolean healthy, String reason, String message, PullFailures status, Duration recheckIn) {}

  /** The verdict on the failures that concern a credential (each seen within the window). */
  public static Verdict verdict(List<PullFailure> concerning, Instant now, Duration window) {
    List<PullFailure> inWindow = concerning.stream().filter(f -> f.lastSeen().isAfter(now.minus(window)))
        .sorted(Comparator.comparing(PullFailure::lastSeen).reversed().thenComparing(PullFailure::pod)).toList();
    List<PullFailure> auth = inWindow.stream().filter(f -> f.kind() == PullFailure.Kind.AUTH).toList();
    PullFailures status = inWindow.isEmpty() ? null : new PullFailures(auth.size(), inWindow.size() - auth.size(),
        inWindow.stream().limit(RECENT_SHOWN).map(f -> new PullFailures.FailedPull(f.namespace(), f.pod(), f.image(),
            f.kind().label(), PullEvents.sanitize(f.message(), 200), f.lastSeen().truncatedTo(ChronoUnit.SECONDS).toString()))
            .toList());
    if (auth.isEmpty()) {
      String others = inWindow.isEmpty() ? "" : "; " + inWindow.size() + " failing for other reasons (not found, network),"
          + " see status.pullFailures";
      return new Verdict(true, Reasons.NO_FAILURES, "no pull refused for authentication in the last "
          + minutes(window) + others, status, null);
    }
    PullFailure last = auth.get(0);
    String message = auth.size() + " failing pull(s) refused for authentication in the last " + minutes(window)
        + "; most recent: pod " + last.namespace() + "/" + last.pod() + ", image " + PullEvents.quote(last.image(), PullEvents.MAX_IMAGE)
        + ": " + PullEvents.quote(last.message(), MESSAGE_QUOTED);
    Duration recheck = Duration.between(now, last.lastSeen().plus(window)).plusSeconds(1);
    return new Verdict(false, Reasons.PULLS_FAILING, message, status, recheck.isNegative() ? Duration.ZERO : recheck);
  }

  /**
   * Whether to record a Warning: when the condition turns False (from True or absent). It turns
   * True again only after a whole window without a failure, so a credential gets at most one
   * Warning per window.
   */
  public static boolean warn(String previousStatus, Verdict verdict) {
    return !verdict.healthy() && !"False".equals(previousStatus);
  }

  private static String minutes(Duration window) {
    return window.toSeconds() % 60 == 0 ? window.toMinutes() + " minute(s)" : window.toSeconds() + " second(s)";
  }
}
