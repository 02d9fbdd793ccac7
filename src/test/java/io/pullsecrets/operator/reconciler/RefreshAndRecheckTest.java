package io.pullsecrets.operator.reconciler;

import static io.pullsecrets.operator.testing.Fixtures.b64;
import static io.pullsecrets.operator.testing.Fixtures.unb64;
import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.RefreshSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.StatusCondition;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.SecretScan;
import io.pullsecrets.operator.testing.TestClock;
import io.pullsecrets.operator.testing.TestProviders.CountingStatic;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Re-evaluation over time, on the real control plane: {@code refresh.interval} fires on the
 * operator's clock; Verified after a rotation is about the new credential; Reconciling is cleared
 * after recovery; a Conflict is taken over by the one-minute re-check with no other event.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class RefreshAndRecheckTest {
  static final String REGISTRY = "registry.example.com";
  final TestClock clock = new TestClock(Instant.now());
  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;
  StubServer registry;

  static RegistryCredential credential(String name, String registry, String... namespaces) {
    return Fixtures.targeting(Fixtures.staticCredential(PLATFORM_NS, name, registry, "robot"), List.of(namespaces));
  }

  // refresh.interval on a credential that does not expire re-reads the source when due.
  @Test
  void intervalOnAStaticCredentialReReadsTheSourceWhenTheClockPassesIt() {
    CountingStatic provider = new CountingStatic();
    h = closer.add(new OperatorHarness());
    h.start(OperatorHarness.config(Set.of()), o -> o.withProviders(new ProviderRegistry(List.of(provider)))
        .withClock(clock).withJitter(() -> 0));
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "ticker", Map.of("tick", "0"));
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "interval-pw-1");
    RegistryCredential rc = credential("interval", REGISTRY, "team-a");
    RefreshSpec refresh = new RefreshSpec();
    refresh.setInterval("10m");
    rc.getSpec().setRefresh(refresh);
    h.apply(rc);

    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "interval");
    assertThat(provider.calls.get()).isEqualTo(1);
    assertThat(Duration.between(clock.instant(), Instant.parse(ready.getStatus().getNextRefreshTime())))
        .isBetween(Duration.ofMinutes(10).minusSeconds(2), Duration.ofMinutes(10));

    clock.advance(Duration.ofMinutes(9));
    h.tick("ticker", "interval", 1);
    h.tick("ticker", "interval", 2);
    assertThat(provider.calls.get()).isEqualTo(1);

    clock.advance(Duration.ofMinutes(2));
    h.tick("ticker", "interval", 3);
    h.awaitUntil(() -> provider.calls.get() == 2);
    RegistryCredential after = h.awaitResource(PLATFORM_NS, "interval",
        r -> !ready.getStatus().getNextRefreshTime().equals(r.getStatus().getNextRefreshTime()));
    assertThat(Duration.between(clock.instant(), Instant.parse(after.getStatus().getNextRefreshTime())))
        .isBetween(Duration.ofMinutes(10).minusSeconds(2), Duration.ofMinutes(10));
    h.tick("ticker", "interval", 4);
    assertThat(provider.calls.get()).isEqualTo(2);
  }

  // After a rotation, Verified is the answer to a probe with the NEW password.
  @Test
  void verifiedAfterARotationIsAboutTheNewCredential() throws Exception {
    List<String> accepted = new CopyOnWriteArrayList<>();
    String[] current = {"verify-pw-first-0001"};
    registry = closer.add(StubServer.http().handler(r -> {
      if (!r.path().equals("/v2/")) {
        return StubServer.Response.json(404, "{}");
      }
      String auth = r.header("authorization");
      if (auth != null && auth.equals("Basic " + b64("robot:" + current[0]))) {
        accepted.add(current[0]);
        return StubServer.Response.json(200, "{}");
      }
      return StubServer.Response.json(401, "{}").withHeader("WWW-Authenticate", "Basic realm=\"stub\"");
    }));
    String host = registry.url().substring("http://".length());
    SecretScan.register("verify-pw-first-0001");
    SecretScan.register("verify-pw-second-0002");
    h = closer.add(new OperatorHarness());
    h.start(OperatorHarness.config(Set.of(), Set.of(host)), o -> o);
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "verify-pw-first-0001");
    RegistryCredential rc = credential("verified", host, "team-a");
    rc.getSpec().setVerify(true);
    h.apply(rc);
    RegistryCredential first = h.awaitCondition(PLATFORM_NS, "verified", "Verified", "True", "Verified");
    StatusCondition firstVerified = condition(first, "Verified").orElseThrow();
    assertThat(accepted).containsExactly("verify-pw-first-0001");

    // The registry rotates first: the old password is refused from now on.
    current[0] = "verify-pw-second-0002";
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "verify-pw-second-0002");
    h.awaitUntil(() -> h.dockerConfig("team-a", "verified").contains("verify-pw-second-0002"));
    // Verified True again, from a probe that started after the rotation and was made with the new password.
    RegistryCredential second = h.awaitResource(PLATFORM_NS, "verified", r -> accepted.contains("verify-pw-second-0002")
        && r.getStatus() != null && r.getStatus().getConditions() != null
        && condition(r, "Verified").map(c -> "True".equals(c.getStatus())).orElse(false)
        && condition(r, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false));
    assertThat(accepted).containsExactly("verify-pw-first-0001", "verify-pw-second-0002");

    // A wrong password now: the probe refuses it and Verified turns False (the old True does not linger).
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "verify-pw-wrong-0003");
    SecretScan.register("verify-pw-wrong-0003");
    RegistryCredential refused = h.awaitCondition(PLATFORM_NS, "verified", "Verified", "False", "Unauthorized");
    assertThat(Instant.parse(condition(refused, "Verified").orElseThrow().getLastTransitionTime()))
        .isAfterOrEqualTo(Instant.parse(firstVerified.getLastTransitionTime()));
    // And back to the registry's password: Verified True, with a new transition.
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "verify-pw-second-0002");
    RegistryCredential again = h.awaitCondition(PLATFORM_NS, "verified", "Verified", "True", "Verified");
    assertThat(Instant.parse(condition(again, "Verified").orElseThrow().getLastTransitionTime()))
        .isAfterOrEqualTo(Instant.parse(condition(refused, "Verified").orElseThrow().getLastTransitionTime()));
    assertThat(accepted).containsExactly("verify-pw-first-0001", "verify-pw-second-0002", "verify-pw-second-0002");
    assertThat(second).isNotNull();
  }

  // Reconciling is cleared once the provider recovers (awaited, not read at the first Ready).
  @Test
  void reconcilingIsClearedAfterRecovery() {
    CountingStatic provider = new CountingStatic();
    h = closer.add(new OperatorHarness());
    h.start(OperatorHarness.config(Set.of()), o -> o.withProviders(new ProviderRegistry(List.of(provider))));
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "recovery-pw-1");
    h.apply(credential("recovery", REGISTRY, "team-a"));
    h.awaitReady(PLATFORM_NS, "recovery");

    provider.failing = true;
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "recovery-pw-2");
    RegistryCredential failing = h.awaitCondition(PLATFORM_NS, "recovery", "Reconciling", "True", Reasons.PROVIDER_UNAVAILABLE);
    assertThat(condition(failing, "Ready").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(h.dockerConfig("team-a", "recovery")).contains("recovery-pw-1");

    provider.failing = false;
    // The retry (after 1 s, 2 s, ...) succeeds: the new password is out and Reconciling is gone.
    RegistryCredential recovered = h.awaitResource(PLATFORM_NS, "recovery",
        r -> condition(r, "Reconciling").isEmpty() && condition(r, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false));
    assertThat(condition(recovered, "Ready").orElseThrow().getReason()).isEqualTo("Synced");
    assertThat(h.dockerConfig("team-a", "recovery")).contains("recovery-pw-2");
    // And it stays gone.
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
        .until(() -> condition(h.get(PLATFORM_NS, "recovery"), "Reconciling").isEmpty());
  }

  // A namespace whose foreign Secret goes away is taken over by the periodic re-check, with
  // no other event (deleting an unlabelled Secret is not seen by any of the operator's informers).
  // The re-check runs every minute in production; here every 3 s (Options.withConflictRecheck).
  @Test
  void conflictIsTakenOverByThePeriodicRecheckAlone() {
    h = closer.add(new OperatorHarness()).start(OperatorHarness.config(java.util.Set.of()),
        o -> o.withConflictRecheck(Duration.ofSeconds(3)));
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-c", Map.of());
    h.client.secrets().inNamespace("team-c").resource(new SecretBuilder().withNewMetadata()
        .withName("regcred").withNamespace("team-c").endMetadata().withData(Map.of("token", b64("theirs"))).build()).create();
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "recheck-pw-1");
    RegistryCredential rc = credential("recheck", REGISTRY, "team-a", "team-c");
    rc.getSpec().setSecretName("regcred");
    h.apply(rc);
    h.awaitCondition(PLATFORM_NS, "recheck", "Ready", "False", "Conflict");
    // The re-check keeps coming while the conflict lasts, and leaves the foreign Secret alone.
    int before = h.reconciles(PLATFORM_NS, "recheck");
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .until(() -> h.reconciles(PLATFORM_NS, "recheck") >= before + 2);
    assertThat(unb64(h.secret("team-c", "regcred").orElseThrow().getData().get("token"))).isEqualTo("theirs");

    Instant deleted = Instant.now();
    h.client.secrets().inNamespace("team-c").withName("regcred").delete();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> h.dockerConfig("team-c", "regcred").contains("recheck-pw-1"));
    assertThat(Duration.between(deleted, Instant.now())).isLessThan(Duration.ofSeconds(8));
    h.awaitReady(PLATFORM_NS, "recheck");
  }
}
