package io.pullsecrets.operator.http;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who may read /metrics, the way Kubernetes components decide it: the bearer token is checked
 * with a TokenReview, and the user it names with a SubjectAccessReview for {@code get} on the
 * non-resource URL {@code /metrics} (the chart's {@code metrics-reader} ClusterRole grants it).
 *
 * <p>Answers are cached by the SHA-256 of the token, never the token itself: an allowed token for
 * {@link #ALLOWED_FOR}, a refused one for {@link #REFUSED_FOR}, at most {@link #MAX_ENTRIES}
 * tokens (least recently used leave first). A failed review is not cached. No token, and no
 * part of one, is logged or put in a message.
 */
public final class MetricsAuthorizer {
  public static final String PATH = "/metrics";
  public static final Duration ALLOWED_FOR = Duration.ofMinutes(1);
  public static final Duration REFUSED_FOR = Duration.ofSeconds(10);
  public static final int MAX_ENTRIES = 1024;

  /** 200, 401 or 403, and the user the token named (empty when unauthenticated). */
  public record Decision(int status, String user) {
    static final Decision UNAUTHENTICATED = new Decision(401, "");
  }

  /** The two reviews; the API server's by default. */
  public interface Reviews {
    /** The user the token belongs to, or null when the API server does not accept it. */
    UserInfo authenticate(String token);

    /** Whether {@code user} may {@code get} {@link #PATH}. */
    boolean allowed(UserInfo user);
  }

  private record Entry(Decision decision, Instant until) {}

  private final Reviews reviews;
  private final Clock clock;
  private final Map<String, Entry> cache = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
      return size() > MAX_ENTRIES;
    }
  };

  public MetricsAuthorizer(Reviews reviews, Clock clock) {
    this.reviews = reviews;
    this.clock = clock;
  }

  /** Reviews with the API server as {@code client}'s user (it needs create on tokenreviews and subjectaccessreviews). */
  public static MetricsAuthorizer of(KubernetesClient client) {
    return new MetricsAuthorizer(new Reviews() {
      @Override
      public UserInfo authenticate(String token) {
        TokenReview review = client.authentication().v1().tokenReviews()
            .create(new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build());
        return review.getStatus() != null && Boolean.TRUE.equals(review.getStatus().getAuthenticated())
            ? review.getStatus().getUser() : null;
      }

      @Override
      public boolean allowed(UserInfo user) {
        SubjectAccessReview review = client.authorization().v1().subjectAccessReview().create(new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(user.getUsername())
            .withUid(user.getUid())
            .withGroups(user.getGroups())
            .withExtra(user.getExtra())
            .withNewNonResourceAttributes().withPath(PATH).withVerb("get").endNonResourceAttributes()
            .endSpec().build());
        return review.getStatus() != null && review.getStatus().getAllowed();
      }
    }, Clock.systemUTC());
  }

  /**
   * The decision for a request's {@code Authorization} header (null when absent). Blocking: up to
   * two API calls when the token is not cached. Throws when a review fails.
   */
  public Decision decide(String authorization) {
    String token = bearer(authorization);
    if (token == null) {
      return Decision.UNAUTHENTICATED;
    }
    String key = sha256(token);
    Instant now = clock.instant();
    synchronized (cache) {
      Entry e = cache.get(key);
      if (e != null && now.isBefore(e.until())) {
        return e.decision();
      }
    }
    UserInfo user = reviews.authenticate(token);
    Decision d;
    if (user == null || user.getUsername() == null) {
      d = Decision.UNAUTHENTICATED;
    } else {
      d = new Decision(reviews.allowed(user) ? 200 : 403, user.getUsername());
    }
    synchronized (cache) {
      cache.put(key, new Entry(d, now.plus(d.status() == 200 ? ALLOWED_FOR : REFUSED_FOR)));
    }
    return d;
  }

  /** Tokens cached now (for tests). */
  int cached() {
    synchronized (cache) {
      return cache.size();
    }
  }

  /** The token of {@code Bearer <token>} (scheme case-insensitive), or null. */
  static String bearer(String authorization) {
    if (authorization == null) {
      return null;
    }
    String a = authorization.trim();
    if (a.length() < 8 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = a.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  private static String sha256(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
