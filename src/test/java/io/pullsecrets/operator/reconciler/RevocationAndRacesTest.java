package io.pullsecrets.operator.reconciler;

import static io.pullsecrets.operator.testing.Fixtures.targetNamespaces;
import static io.pullsecrets.operator.testing.Fixtures.targetSelector;
import static io.pullsecrets.operator.testing.Fixtures.b64;
import static io.pullsecrets.operator.testing.OperatorHarness.OPERATOR_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.RefreshSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.staticsecret.StaticCredentialProvider;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.TestClock;
import io.pullsecrets.operator.testing.TestProviders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Revocation and races, on the real control plane (each once lost or delayed work): a source rotated
 * while a fetch is in flight still reaches the targets; a namespace leaving the targets is cleaned
 * up even while the source is broken after a restart; a credential whose namespace is no longer
 * trusted loses its Secrets elsewhere; a {@code refresh.before} longer than the token's lifetime is
 * clamped to a floor; twenty credentials cover a new namespace within two seconds (one
 * ServiceAccount, twenty patches); labelled tenant Secrets are cached without their data.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class RevocationAndRacesTest {
  static final String REGISTRY = "registry.example.com";
  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;

  static RegistryCredential credential(String ns, String name, String secretName, TargetsSpec targets) {
    return CredentialBuilder.staticLogin(ns, name, REGISTRY, "robot").secretName(secretName).targets(targets).build();
  }



  // A rotation that lands while the provider is fetching is replicated, not paired with old data.
  @Test
  void sourceRotatedDuringAnInFlightFetchReachesTheTargets() throws Exception {
    CountDownLatch inFetch = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    CredentialProvider statics = new StaticCredentialProvider();
    CredentialProvider blockingOnce = TestProviders.statics(request -> {
      Credential c = statics.fetch(request); // reads the source Secret as it is now
      if (calls.incrementAndGet() == 1) {
        inFetch.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return c;
    });
    h = closer.add(new OperatorHarness());
    h.start(OperatorHarness.config(Set.of()), o -> o.withProviders(new ProviderRegistry(List.of(blockingOnce))));
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "scan-pw-1");
    h.apply(credential(PLATFORM_NS, "example", "regcred", targetNamespaces("team-a")));

    assertThat(inFetch.await(15, TimeUnit.SECONDS)).as("the provider was called").isTrue();
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "scan-pw-2");
    Thread.sleep(1000); // the operator's watch of the source sees the rotation before the fetch returns
    release.countDown();

    h.awaitUntil(() -> h.dockerConfig("team-a", "regcred").equals(Fixtures.robotDockerConfig("scan-pw-2")));
    h.awaitReady(PLATFORM_NS, "example");
    assertThat(calls.get()).isEqualTo(2);
  }

  // Revocation needs no credential: source broken after a restart, namespace relabelled out.
  @Test
  void namespaceLeavingTheTargetsIsCleanedUpWhileTheSourceIsBrokenAfterARestart() {
    h = closer.add(new OperatorHarness()).start();
    Fixtures.namespace(h.client, "team-a", Map.of("pull", "yes"));
    Fixtures.namespace(h.client, "team-b", Map.of("pull", "yes"));
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "scan-pw-1");
    h.apply(credential(PLATFORM_NS, "example", "regcred", targetSelector(Map.of("pull", "yes"))));
    h.awaitReady(PLATFORM_NS, "example");
    h.awaitUntil(() -> h.pullSecretNames("team-b", "default").contains("regcred"));

    h.stopOperator();
    h.client.secrets().inNamespace(PLATFORM_NS).withName("robot").delete();
    h.start();
    h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "SourceNotFound");

    h.client.namespaces().withName("team-b").edit(ns -> {
      ns.getMetadata().getLabels().put("pull", "no");
      return ns;
    });
    h.awaitUntil(() -> h.secret("team-b", "regcred").isEmpty() && h.pullSecretNames("team-b", "default").isEmpty());
    // Still targeted: the last good Secret stays.
    assertThat(h.dockerConfig("team-a", "regcred")).isEqualTo(Fixtures.robotDockerConfig("scan-pw-1"));
    assertThat(h.pullSecretNames("team-a", "default")).containsExactly("regcred");
  }

  // Revocation needs no credential: the credential's namespace is no longer trusted.
  @Test
  void credentialOfANamespaceNoLongerTrustedLosesItsSecretsInOtherNamespaces() {
    h = closer.add(new OperatorHarness());
    OperatorConfig trusting = new OperatorConfig(OPERATOR_NS, Set.of(OPERATOR_NS, PLATFORM_NS, "team-x"), Set.of(),
        0, false, "info", "text");
    h.start(trusting, o -> o);
    Fixtures.namespace(h.client, "team-x", Map.of());
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.loginSecret(h.client, "team-x", "robot", "robot", "scan-pw-1");
    h.apply(credential("team-x", "shared", "regcred", targetNamespaces("team-x", "team-a")));
    h.awaitReady("team-x", "shared");
    h.awaitUntil(() -> h.pullSecretNames("team-a", "default").contains("regcred"));

    h.stopOperator();
    h.start(); // team-x is no longer trusted
    h.awaitCondition("team-x", "shared", "Ready", "False", "NotPermitted");

    h.awaitUntil(() -> h.secret("team-a", "regcred").isEmpty() && h.pullSecretNames("team-a", "default").isEmpty());
    // Its own namespace it may still serve: that Secret stays.
    assertThat(h.dockerConfig("team-x", "regcred")).isEqualTo(Fixtures.robotDockerConfig("scan-pw-1"));
  }


  // refresh.before beyond the token's lifetime: no refresh storm, and status says it was clamped.
  @Test
  void beforeLongerThanTheLifetimeIsClampedToAFloor() {
    TestClock clock = new TestClock(Instant.now());
    AtomicInteger calls = new AtomicInteger();
    CredentialProvider gcpLike = TestProviders.statics(request -> {
      calls.incrementAndGet();
      // Google's access tokens live 3,599 seconds.
      return new Credential(List.of(REGISTRY), "{\"auths\":{}}".getBytes(StandardCharsets.UTF_8),
          request.clock().instant().plusSeconds(3599));
    });
    h = closer.add(new OperatorHarness());
    h.start(OperatorHarness.config(Set.of()), o -> o.withProviders(new ProviderRegistry(List.of(gcpLike)))
        .withClock(clock).withJitter(() -> 0));
    Fixtures.namespace(h.client, "team-a", Map.of());
    RegistryCredential rc = credential(PLATFORM_NS, "gcp", "gcp-pull", targetNamespaces("team-a"));
    RefreshSpec refresh = new RefreshSpec();
    refresh.setBefore("1h");
    rc.getSpec().setRefresh(refresh);
    h.apply(rc);

    h.awaitReady(PLATFORM_NS, "gcp");
    assertThat(calls.get()).isEqualTo(1);

    // Five minutes pass, in steps, each followed by a reconcile: no refresh (the floor is 359.9 s).
    for (int i = 0; i < 6; i++) {
      clock.advance(Duration.ofSeconds(50));
      h.tick("team-a", "gcp", i);
    }
    assertThat(calls.get()).isEqualTo(1);
    // Past the floor: exactly one refresh.
    clock.advance(Duration.ofSeconds(100));
    h.tick("team-a", "gcp", 99);
    h.awaitUntil(() -> calls.get() == 2);
    h.tick("team-a", "gcp", 100);
    assertThat(calls.get()).isEqualTo(2);

    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "gcp");
    assertThat(condition(ready, "Ready").orElseThrow().getMessage()).contains("refresh.before '1h' was clamped");
    assertThat(condition(ready, "TokenValid").orElseThrow().getMessage()).contains("refresh.before '1h' was clamped");
    assertThat(Duration.between(clock.instant(), Instant.parse(ready.getStatus().getNextRefreshTime())))
        .isBetween(Duration.ofSeconds(358), Duration.ofSeconds(360));
  }

  // Twenty credentials, one ServiceAccount: conflicting patches are retried at once.
  @Test
  void twentyCredentialsCoverANewNamespaceWithinTwoSeconds() {
    h = closer.add(new OperatorHarness()).start();
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "scan-pw-1");
    List<String> names = IntStream.range(0, 20).mapToObj(i -> "pull-" + i).toList();
    for (int i = 0; i < 20; i++) {
      h.apply(credential(PLATFORM_NS, "fleet-" + i, names.get(i), targetSelector(Map.of("fleet", "yes"))));
    }
    for (int i = 0; i < 20; i++) {
      h.awaitReady(PLATFORM_NS, "fleet-" + i);
    }

    long start = System.nanoTime();
    Fixtures.namespace(h.client, "fleet-ns", Map.of("fleet", "yes"));
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
      List<String> secrets = h.client.secrets().inNamespace("fleet-ns").withLabel(Labels.MANAGED_BY).list().getItems()
          .stream().map(Secret::getMetadata).map(m -> m.getName()).toList();
      return secrets.containsAll(names) && h.pullSecretNames("fleet-ns", "default").containsAll(names);
    });
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    System.out.println("[item 9] a new namespace targeted by 20 credentials held all 20 Secrets and 20 entries on 'default' after "
        + took.toMillis() + " ms");
    assertThat(h.pullSecretNames("fleet-ns", "default")).containsExactlyInAnyOrderElementsOf(names);
    assertThat(took).isLessThan(Duration.ofSeconds(2));
  }

  // Anyone can label a Secret as managed: the cache keeps its metadata and a digest, not its data.
  @Test
  void labelledTenantSecretsAreCachedWithoutTheirData() {
    h = closer.add(new OperatorHarness()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-t", Map.of());
    String blob = "x".repeat(500_000);
    h.client.secrets().inNamespace("team-t").resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
        .withName("regcred").withNamespace("team-t").withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)).endMetadata()
        .withData(Map.of("blob", b64(blob))).build()).create();
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "scan-pw-1");
    h.apply(credential(PLATFORM_NS, "example", "regcred", targetNamespaces("team-a", "team-t")));

    // The operator still behaves: the tenant's Secret is a Conflict and left alone, team-a is synced.
    RegistryCredential rc = h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "Conflict");
    assertThat(rc.getStatus().getFailedNamespaces()).extracting(f -> f.getNamespace()).containsExactly("team-t");
    assertThat(h.secret("team-t", "regcred").orElseThrow().getData()).containsOnlyKeys("blob");
    assertThat(h.dockerConfig("team-a", "regcred")).isEqualTo(Fixtures.robotDockerConfig("scan-pw-1"));

    ReconcilerAssembly reconciler = h.operator().assembly();
    h.awaitUntil(() -> reconciler.cachedManagedSecret("team-t", "regcred").isPresent());
    Secret cached = reconciler.cachedManagedSecret("team-t", "regcred").orElseThrow();
    assertThat(cached.getData()).doesNotContainKey("blob");
    int cachedSize = io.fabric8.kubernetes.client.utils.Serialization.asJson(cached).length();
    System.out.println("[item 4] a 500 KB tenant Secret takes " + cachedSize + " characters in the operator's cache");
    assertThat(cachedSize).isLessThan(4_000);
    assertThat(reconciler.cachedManagedSecret("team-a", "regcred").orElseThrow().getData()).doesNotContainKey(".dockerconfigjson");

    // Drift of our own Secret is still seen through the digest, and repaired.
    h.client.secrets().inNamespace("team-a").withName("regcred").edit(s -> {
      s.getData().put(".dockerconfigjson", b64("{\"auths\":{}}"));
      return s;
    });
    h.awaitUntil(() -> h.dockerConfig("team-a", "regcred").equals(Fixtures.robotDockerConfig("scan-pw-1")));
    // And a rotation reaches it.
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "scan-pw-2");
    h.awaitUntil(() -> h.dockerConfig("team-a", "regcred").equals(Fixtures.robotDockerConfig("scan-pw-2")));
    assertThat(h.secret("team-t", "regcred").orElseThrow().getData()).containsOnlyKeys("blob");
  }
}
