package io.pullsecrets.operator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authentication.UserInfoBuilder;
import io.pullsecrets.operator.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The decisions and their cache, with reviews that count their calls (the real ones: AuthenticatedMetricsTest). */
class MetricsAuthorizerTest {
  final List<String> authenticated = new ArrayList<>();
  final List<String> authorized = new ArrayList<>();
  final Map<String, String> users = Map.of("reader-token", "reader", "stranger-token", "stranger");

  final MetricsAuthorizer.Reviews reviews = new MetricsAuthorizer.Reviews() {
    @Override
    public UserInfo authenticate(String token) {
      authenticated.add(token);
      String user = users.get(token);
      return user == null ? null : new UserInfoBuilder().withUsername(user).build();
    }

    @Override
    public boolean allowed(UserInfo user) {
      authorized.add(user.getUsername());
      return user.getUsername().equals("reader");
    }
  };

  @Test
  void decidesFromTheBearerTokenAndCachesBriefly() {
    TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
    MetricsAuthorizer a = new MetricsAuthorizer(reviews, clock);
    assertThat(a.decide(null).status()).isEqualTo(401);
    assertThat(a.decide("Basic cmVhZGVyOng=").status()).isEqualTo(401);
    assertThat(a.decide("Bearer ").status()).isEqualTo(401);
    assertThat(authenticated).as("no review without a bearer token").isEmpty();

    assertThat(a.decide("Bearer reader-token")).isEqualTo(new MetricsAuthorizer.Decision(200, "reader"));
    assertThat(a.decide("bearer reader-token").status()).isEqualTo(200);
    assertThat(a.decide("Bearer stranger-token")).isEqualTo(new MetricsAuthorizer.Decision(403, "stranger"));
    assertThat(a.decide("Bearer forged").status()).isEqualTo(401);
    assertThat(authenticated).containsExactly("reader-token", "stranger-token", "forged");

    // Refusals are cached for 10 s, allowances for a minute.
    clock.advance(Duration.ofSeconds(11));
    a.decide("Bearer reader-token");
    a.decide("Bearer stranger-token");
    assertThat(authenticated).containsExactly("reader-token", "stranger-token", "forged", "stranger-token");
    clock.advance(Duration.ofSeconds(50));
    a.decide("Bearer reader-token");
    assertThat(authenticated).endsWith("reader-token").hasSize(5);
    assertThat(authorized).containsExactly("reader", "stranger", "stranger", "reader");
  }

  @Test
  void theCacheIsBounded() {
    MetricsAuthorizer a = new MetricsAuthorizer(reviews, new TestClock(Instant.parse("2026-01-01T00:00:00Z")));
    for (int i = 0; i < MetricsAuthorizer.MAX_ENTRIES + 500; i++) {
      a.decide("Bearer token-" + i);
    }
    assertThat(a.cached()).isEqualTo(MetricsAuthorizer.MAX_ENTRIES);
  }
}
