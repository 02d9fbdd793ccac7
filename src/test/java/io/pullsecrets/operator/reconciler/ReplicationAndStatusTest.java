package io.pullsecrets.operator.reconciler;

import static io.pullsecrets.operator.reconciler.OperatorScenariosTest.EXPECTED_JSON;
import static io.pullsecrets.operator.reconciler.OperatorScenariosTest.REGISTRY;
import static io.pullsecrets.operator.testing.Fixtures.b64;
import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.api.LabelSelectorSpec;
import io.pullsecrets.operator.api.RefreshSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.staticsecret.StaticCredentialProvider;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.MockApiServer;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.RealApiServer;
import io.pullsecrets.operator.testing.TestProviders.CountingStatic;
import io.pullsecrets.operator.testing.TestProviders;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a user sees after a change, on the real control plane: the source Secret is watched by name
 * (no polling); namespaces and ServiceAccounts entering or leaving the targets get or lose the
 * Secret and the imagePullSecrets entry (the cached credential reused, the last good one while the
 * source is broken); tenancy and name conflicts are refused with their reason; and the status
 * (summary, nextRefreshTime, failedNamespaces, Ready's reason), events and expiry metric report it
 * as the README's "What the operator does" and "Status and conditions" say.
 *
 * <p>Mutations that made these fail (each applied alone, then reverted): the source Secret read
 * with a GET instead of from its informer; the credential cache never reused; the summary written
 * as targeted/synced; {@code FAILED_NAMESPACES_SHOWN} 21; every conflict counted as new (the
 * {@code oldConflicts} filter removed); the expiry gauge registered for a credential without expiry.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class ReplicationAndStatusTest {
  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;

  private OperatorHarness started() {
    h = closer.add(new OperatorHarness()).start();
    return h;
  }

  private OperatorHarness startedWith(CredentialProvider provider) {
    h = closer.add(new OperatorHarness()).start(OperatorHarness.config(Set.of()), o -> o.withProviders(new ProviderRegistry(List.of(provider))));
    return h;
  }

  private void foreignSecret(String ns, String name) {
    h.client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns)
        .endMetadata().withData(Map.of("token", b64("theirs"))).build()).create();
  }

  // --- Refresh follows the source -------------------------------------------------------------

  /**
   * "each source Secret is watched by name; there is no polling": every request the operator makes
   * (recorded by its own HTTP client: the audit log has writes only) that reads the source Secret
   * is name-scoped (the watch, and a GET by name when the provider reads it), the Secrets of the
   * source namespace are never listed unscoped, nothing reads it during an idle window, and a
   * change reaches the replicas within 2 s.
   */
  @Test
  void sourceSecretIsWatchedByNameWithoutPolling() {
    RealApiServer real = new RealApiServer();
    List<HttpRequest> requests = new CopyOnWriteArrayList<>();
    Config config = new ConfigBuilder(real.controlPlane.adminConfig()).withUserAgent(MockApiServer.OPERATOR_AGENT)
        .withRequestRetryBackoffLimit(PullSecretOperator.REQUEST_RETRIES)
        .withImpersonateUsername(RealApiServer.OPERATOR_USER)
        .withImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + RealApiServer.OPERATOR_NS, "system:authenticated")
        .build();
    KubernetesClient recording = new KubernetesClientBuilder().withConfig(config)
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("record", new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, Interceptor.RequestTags tags) {
            requests.add(request);
          }
        })).build();
    h = closer.add(new OperatorHarness(real, recording)).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.applyReady(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a")));
    assertThat(requests).as("the recording client sees the operator's requests").isNotEmpty();

    // Idle: nothing reads the source Secret again.
    int before = requests.size();
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    List<String> idleReads = sourceReads(requests.subList(before, requests.size()));
    assertThat(idleReads).as("requests for the source Secret while idle").isEmpty();

    // A change is picked up within 2 s, by the watch.
    long t0 = System.nanoTime();
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "rotated-2");
    String rotated = "{\"auths\":{\"registry.example.com\":{\"username\":\"robot\",\"password\":\"rotated-2\",\"auth\":\""
        + b64("robot:rotated-2") + "\"}}}";
    await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).until(() -> h.dockerConfig("team-a", "regcred").equals(rotated));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));

    // Every read of Secrets in the source namespace is scoped to the source's name (or to managed Secrets).
    List<String> secretReads = new ArrayList<>();
    for (HttpRequest r : requests) {
      String path = r.uri().getPath();
      String query = r.uri().getRawQuery() == null ? "" : URLDecoder.decode(r.uri().getRawQuery(), StandardCharsets.UTF_8);
      if (r.method().equals("GET") && path.matches(".*/secrets(/[^/]*)?$")) {
        secretReads.add(r.method() + " " + path + "?" + query);
      }
    }
    assertThat(secretReads).as("the operator's reads of Secrets").isNotEmpty()
        .allSatisfy(s -> assertThat(s).satisfiesAnyOf(
            x -> assertThat(x).contains("/namespaces/" + PLATFORM_NS + "/secrets?").contains("fieldSelector=metadata.name=robot"),
            // The provider's read of the value (the watch's cache keeps no data): one GET by name per fetch.
            x -> assertThat(x).startsWith("GET /api/v1/namespaces/" + PLATFORM_NS + "/secrets/robot?"),
            x -> assertThat(x).contains("labelSelector=").contains("pullsecret-operator")));
    long sourceLists = secretReads.stream().filter(s -> s.contains("metadata.name=robot") && !s.contains("watch=true")).count();
    assertThat(sourceLists).as("lists of the source Secret (one per informer start)").isEqualTo(1);
  }

  private static List<String> sourceReads(List<HttpRequest> requests) {
    List<String> out = new ArrayList<>();
    for (HttpRequest r : requests) {
      String uri = URLDecoder.decode(r.uri().toString(), StandardCharsets.UTF_8);
      if (uri.contains("/namespaces/" + PLATFORM_NS + "/secrets/robot") || uri.contains("metadata.name=robot")) {
        out.add(r.method() + " " + uri);
      }
    }
    return out;
  }

  // --- One credential per refresh ---------------------------------------------------------------

  /** "A reconcile caused by a namespace or service account reuses the cached credential." */
  @Test
  void serviceAccountTriggeredReconcileReusesTheCachedCredential() {
    CountingStatic provider = new CountingStatic();
    startedWith(provider);
    Fixtures.namespace(h.client, "team-a", Map.of());
    RegistryCredential rc = CredentialBuilder.of(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a")))
        .serviceAccountsSelecting(Map.of("pulls", "yes")).build();
    h.apply(rc);
    h.awaitReady(PLATFORM_NS, "example");
    int calls = provider.calls.get();
    assertThat(calls).isPositive();
    int reconciles = h.reconciles(PLATFORM_NS, "example");

    Fixtures.serviceAccount(h.client, "team-a", "builder", Map.of("pulls", "yes"));
    h.awaitUntil(() -> h.pullSecretNames("team-a", "builder").equals(List.of("regcred")));
    Fixtures.namespace(h.client, "team-z", Map.of());
    h.awaitUntil(() -> h.reconciles(PLATFORM_NS, "example") >= reconciles + 2);

    assertThat(provider.calls.get()).as("provider calls after service account and namespace events").isEqualTo(calls);
  }

  // --- New namespaces within seconds ------------------------------------------------------------

  /** "An imagePullSecrets entry ... is removed when the service account is no longer selected." */
  @Test
  void entryIsRemovedWhenAServiceAccountIsRelabelledOutOfTheSelector() {
    started();
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.serviceAccount(h.client, "team-a", "builder", Map.of("pulls", "yes"));
    RegistryCredential rc = CredentialBuilder.of(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a")))
        .serviceAccountsSelecting(Map.of("pulls", "yes")).build();
    h.apply(rc);
    h.awaitReady(PLATFORM_NS, "example");
    h.awaitUntil(() -> h.pullSecretNames("team-a", "builder").equals(List.of("regcred")));
    h.client.serviceAccounts().inNamespace("team-a").withName("builder")
        .edit(sa -> new ServiceAccountBuilder(sa).addToImagePullSecrets(new LocalObjectReference("theirs")).build());

    h.client.serviceAccounts().inNamespace("team-a").withName("builder").edit(sa -> {
      sa.getMetadata().getLabels().put("pulls", "no");
      return sa;
    });

    h.awaitUntil(() -> h.pullSecretNames("team-a", "builder").equals(List.of("theirs")));
    assertThat(h.secret("team-a", "regcred")).as("the namespace is still targeted").isPresent();
  }

  /** "a namespace created ... into the targets gets the Secret at once": also one listed by name before it exists. */
  @Test
  void namespaceListedByNameAndCreatedLaterIsCovered() {
    started();
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.apply(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a", "team-late")));
    h.awaitUntil(() -> h.secret("team-a", "regcred").isPresent());
    assertThat(h.secret("team-late", "regcred")).isEmpty();

    Fixtures.namespace(h.client, "team-late", Map.of());

    h.awaitUntil(() -> h.secret("team-late", "regcred").isPresent() && h.pullSecretNames("team-late", "default").contains("regcred"));
    assertThat(h.dockerConfig("team-late", "regcred")).isEqualTo(EXPECTED_JSON);
    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "example");
    assertThat(ready.getStatus().getNamespaces().getSynced()).isEqualTo(2);
  }

  // --- Failures never destroy a good Secret -----------------------------------------------------

  /** "new namespaces still get it while the operator has it" (the last good credential). */
  @Test
  void newNamespacesGetTheLastGoodCredentialWhileTheSourceIsBroken() {
    started();
    Fixtures.namespace(h.client, "team-a", Map.of("pull", "yes"));
    RegistryCredential rc = Fixtures.teamCredential(h.client, REGISTRY, null);
    rc.getSpec().getTargets().setNamespaceSelector(new LabelSelectorSpec(Map.of("pull", "yes"), null));
    h.apply(rc);
    h.awaitReady(PLATFORM_NS, "example");

    Fixtures.dataSecret(h.client, PLATFORM_NS, "robot", Map.of("username", "robot"));
    h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "InvalidSource");

    Fixtures.namespace(h.client, "team-new", Map.of("pull", "yes"));

    h.awaitUntil(() -> h.secret("team-new", "regcred").isPresent() && h.pullSecretNames("team-new", "default").contains("regcred"));
    assertThat(h.dockerConfig("team-new", "regcred")).isEqualTo(EXPECTED_JSON);
    assertThat(h.dockerConfig("team-a", "regcred")).isEqualTo(EXPECTED_JSON);
  }

  // --- Tenancy ----------------------------------------------------------------------------------

  /** "Only RegistryCredentials in trusted namespaces may target other namespaces (by name or selector)". */
  @Test
  void untrustedNamespaceUsingASelectorIsNotPermitted() {
    started();
    Fixtures.namespace(h.client, "team-x", Map.of("pull", "yes"));
    Fixtures.namespace(h.client, "team-a", Map.of("pull", "yes"));
    Fixtures.loginSecret(h.client, "team-x", "robot", "robot", "s3cret-1");
    OperatorScenariosTest.assertNotPermittedWritingNothing(h, CredentialBuilder.staticLogin("team-x", "sneaky", REGISTRY, "robot")
        .selecting(Map.of("pull", "yes")).build());
    assertThat(h.pullSecretNames("team-a", "default")).isEmpty();
  }

  // --- Never touches what is not ours -----------------------------------------------------------

  /** A managed Secret named like the source Secret would overwrite it: the source is not ours, so it is a Conflict. */
  @Test
  void secretNameEqualToTheSourceNameIsAConflictAndTheSourceIsUntouched() {
    started();
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "s3cret-1");
    String sourceVersion = h.secret(PLATFORM_NS, "robot").orElseThrow().getMetadata().getResourceVersion();
    RegistryCredential rc = CredentialBuilder.staticLogin(PLATFORM_NS, "example", REGISTRY, "robot").secretName("robot")
        .targets(List.of(PLATFORM_NS, "team-a")).build();
    h.apply(rc);

    RegistryCredential status = h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "Conflict");

    assertThat(status.getStatus().getFailedNamespaces()).singleElement().satisfies(f -> {
      assertThat(f.getNamespace()).isEqualTo(PLATFORM_NS);
      assertThat(f.getReason()).isEqualTo("Conflict");
    });
    assertThat(h.secret(PLATFORM_NS, "robot").orElseThrow().getMetadata().getResourceVersion()).isEqualTo(sourceVersion);
    assertThat(h.secret("team-a", "robot")).isPresent();
    assertThat(h.pullSecretNames(PLATFORM_NS, "default")).doesNotContain("robot");
  }

  /** "events are recorded for writes, new conflicts and new failures, not for every retry." */
  @Test
  void aConflictEventIsNotRepeated() {
    started();
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-c", Map.of());
    foreignSecret("team-c", "regcred");
    h.apply(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a", "team-c")));
    h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "Conflict");
    h.awaitUntil(() -> conflictEvents() >= 1);

    // Several more reconciles, each seeing the same conflict.
    for (int i = 0; i < 3; i++) {
      int before = h.reconciles(PLATFORM_NS, "example");
      Fixtures.namespace(h.client, "poke-" + i, Map.of());
      h.awaitUntil(() -> h.reconciles(PLATFORM_NS, "example") > before);
    }
    RegistryCredential touched = h.get(PLATFORM_NS, "example");
    touched.getMetadata().setAnnotations(Map.of("poke", "yes"));
    int before = h.reconciles(PLATFORM_NS, "example");
    h.client.resource(touched).update();
    h.awaitUntil(() -> h.reconciles(PLATFORM_NS, "example") > before);

    assertThat(conflictEvents()).as("Warning Conflict events, counting repeats").isEqualTo(1);
  }

  private int conflictEvents() {
    return h.client.v1().events().inNamespace(PLATFORM_NS).list().getItems().stream()
        .filter(e -> "Conflict".equals(e.getReason()) && "Warning".equals(e.getType())
            && "example".equals(e.getInvolvedObject().getName()))
        .mapToInt(e -> e.getCount() == null ? 1 : e.getCount())
        .sum();
  }

  // --- Status and conditions --------------------------------------------------------------------

  /** {@code namespaces: {targeted: 12, synced: 11, failed: 1, summary: 11/12}}. */
  @Test
  void namespacesSummaryIsSyncedOverTargeted() {
    started();
    for (String ns : List.of("team-a", "team-b", "team-c")) {
      Fixtures.namespace(h.client, ns, Map.of());
    }
    foreignSecret("team-c", "regcred");
    h.apply(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a", "team-b", "team-c")));

    RegistryCredential rc = h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "Conflict");

    assertThat(rc.getStatus().getNamespaces().getSummary()).isEqualTo("2/3");
    assertThat(rc.getStatus().getNamespaces().getFailed()).isEqualTo(1);

    h.client.secrets().inNamespace("team-c").withName("regcred").delete();
    // The foreign Secret is not watched: a namespace event reconciles sooner than the one-minute re-check.
    h.client.namespaces().withName("team-c").edit(ns -> {
      ns.getMetadata().setLabels(Map.of("touched", "yes"));
      return ns;
    });
    RegistryCredential ready = h.awaitResource(PLATFORM_NS, "example",
        r -> r.getStatus().getNamespaces() != null && r.getStatus().getNamespaces().getSynced() == 3);
    assertThat(ready.getStatus().getNamespaces().getSummary()).isEqualTo("3/3");
  }

  /** {@code nextRefreshTime: # cloud tokens or refresh.interval}: a static credential with an interval has one. */
  @Test
  void nextRefreshTimeFollowsRefreshInterval() {
    started();
    RegistryCredential rc = Fixtures.teamCredential(h.client, REGISTRY, null);
    RefreshSpec refresh = new RefreshSpec();
    refresh.setInterval("90m");
    rc.getSpec().setRefresh(refresh);
    h.apply(rc);

    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "example");

    assertThat(ready.getStatus().getExpiresAt()).isNull();
    Instant last = Instant.parse(ready.getStatus().getLastRefreshTime());
    assertThat(ready.getStatus().getNextRefreshTime()).isNotNull();
    assertThat(Instant.parse(ready.getStatus().getNextRefreshTime())).isEqualTo(last.plus(Duration.ofMinutes(90)));

    // Without an interval a static credential has no next refresh.
    h.apply(Fixtures.staticCredential(PLATFORM_NS, "plain", REGISTRY, "robot"));
    assertThat(h.awaitReady(PLATFORM_NS, "plain").getStatus().getNextRefreshTime()).isNull();
  }

  /** {@code failedNamespaces: # at most 20; namespaces.failed has the count}. */
  @Test
  void failedNamespacesAreCappedAtTwentyAndCounted() {
    started();
    List<String> names = IntStream.rangeClosed(1, 22).mapToObj(i -> String.format("team-%02d", i)).toList();
    for (String ns : names) {
      Fixtures.namespace(h.client, ns, Map.of());
      foreignSecret(ns, "regcred");
    }
    Fixtures.namespace(h.client, "team-ok", Map.of());
    List<String> targets = new ArrayList<>(names);
    targets.add("team-ok");
    h.apply(Fixtures.teamCredential(h.client, REGISTRY, targets));

    RegistryCredential rc = h.awaitResource(PLATFORM_NS, "example", r -> r.getStatus() != null
        && r.getStatus().getNamespaces() != null && r.getStatus().getNamespaces().getFailed() == 22);

    assertThat(rc.getStatus().getFailedNamespaces()).hasSize(20)
        .allSatisfy(f -> assertThat(f.getReason()).isEqualTo("Conflict"))
        .allSatisfy(f -> assertThat(names).contains(f.getNamespace()));
    assertThat(rc.getStatus().getNamespaces().getTargeted()).isEqualTo(23);
    assertThat(rc.getStatus().getNamespaces().getSynced()).isEqualTo(1);
    assertThat(rc.getStatus().getNamespaces().getSummary()).isEqualTo("1/23");
  }

  /** Ready lists the provider reasons: a first fetch that fails shows the provider's own reason. */
  @Test
  void aFirstFetchThatFailsIsReadyFalseWithTheProvidersReason() {
    CredentialProvider denying = TestProviders.statics(request -> {
      throw ProviderException.transientFailure("AccessDenied", "the registry said no to role 'puller'");
    });
    startedWith(denying);
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.apply(Fixtures.teamCredential(h.client, REGISTRY, List.of("team-a")));

    RegistryCredential rc = h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "AccessDenied");

    assertThat(condition(rc, "Ready").orElseThrow().getMessage()).contains("the registry said no to role 'puller'");
    assertThat(condition(rc, "TokenValid").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(condition(rc, "TokenValid").orElseThrow().getReason()).isEqualTo("AccessDenied");
    assertThat(h.secret("team-a", "regcred")).isEmpty();
    assertThat(h.pullSecretNames("team-a", "default")).isEmpty();
  }

  // --- Metrics ----------------------------------------------------------------------------------

  /**
   * Metrics: {@code pullsecret_token_expiry_timestamp_seconds} is absent for credentials that do
   * not expire. The same operator serves it for one that does, so the scrape is known to work.
   */
  @Test
  void noExpiryMetricForACredentialThatDoesNotExpire() {
    Instant expires = Instant.parse("2099-01-01T00:00:00Z");
    StaticCredentialProvider statics = new StaticCredentialProvider();
    CredentialProvider expiringByName = TestProviders.statics(request -> {
      Credential c = statics.fetch(request);
      return request.name().equals("expiring") ? new Credential(c.registries(), c.dockerConfigJson(), expires) : c;
    });
    RealApiServer real = new RealApiServer();
    KubernetesClient operatorClient = real.newOperatorClient();
    String ops = OperatorHarness.OPERATOR_NS;
    try {
      Fixtures.namespace(real.client(), ops, Map.of());
      Fixtures.loginSecret(real.client(), ops, "robot", "robot", "s3cret-1");
      io.pullsecrets.operator.config.OperatorConfig config =
          new io.pullsecrets.operator.config.OperatorConfig(ops, Set.of(ops), Set.of(), 0, false, "info", "text");
      try (io.pullsecrets.operator.Main.Running running = io.pullsecrets.operator.Main.create(operatorClient, config,
          PullSecretOperator.Options.defaults(operatorClient).withProviders(new ProviderRegistry(List.of(expiringByName))),
          new io.pullsecrets.operator.Main.Launch("test", io.pullsecrets.operator.Main.LeaseTimings.DEFAULT, () -> {}))) {
        running.start();
        int port = running.httpPort();
        real.client().resource(Fixtures.staticCredential(ops, "plain", REGISTRY, "robot")).create();
        real.client().resource(Fixtures.staticCredential(ops, "expiring", REGISTRY, "robot")).create();
        Map<String, String> plain = Map.of("namespace", ops, "name", "plain");
        Map<String, String> expiring = Map.of("namespace", ops, "name", "expiring");
        String expiry = "pullsecret_token_expiry_timestamp_seconds";
        await().atMost(OperatorHarness.WAIT).until(() -> {
          String m = io.pullsecrets.operator.metrics.Prometheus.get(port, "/metrics").body();
          return io.pullsecrets.operator.metrics.Prometheus.value(m, "pullsecret_last_refresh_success", plain).orElse(-1) == 1
              && io.pullsecrets.operator.metrics.Prometheus.value(m, "pullsecret_namespaces_synced", plain).orElse(-1) == 1
              && io.pullsecrets.operator.metrics.Prometheus.value(m, expiry, expiring).isPresent();
        });
        String m = io.pullsecrets.operator.metrics.Prometheus.get(port, "/metrics").body();
        assertThat(io.pullsecrets.operator.metrics.Prometheus.value(m, expiry, expiring)).hasValue(expires.getEpochSecond());
        assertThat(io.pullsecrets.operator.metrics.Prometheus.hasSeries(m, expiry, plain)).as(expiry + " for 'plain'").isFalse();
      }
    } finally {
      operatorClient.close();
      real.close();
    }
  }
}
