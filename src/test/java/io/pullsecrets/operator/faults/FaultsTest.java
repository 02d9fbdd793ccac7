package io.pullsecrets.operator.faults;

import static io.pullsecrets.operator.testing.Fixtures.b64;
import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.DroppedConnections;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.MockApiServer;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the README promises when the API server misbehaves, on fabric8's CRUD mock (faults are
 * injected in front of it; one watch test goes through a {@link TcpProxy}): 5xx answers and 409s
 * to writes are retried until every Secret holds the right value; a 429 with Retry-After is
 * waited out; dropped watches and an unreadable watch event are recovered and what changed
 * meanwhile is reconciled; a stop in the middle of a rotation converges after the restart; two
 * credentials claiming one Secret name: the second waits (Conflict) and takes over visibly;
 * terminating namespaces are skipped with at most two requests; deletion completes its clean-up
 * once writes succeed again; hostile input gets a clear condition; a namespace that keeps failing
 * does not delay repairs elsewhere.
 */
class FaultsTest {
  static final String REGISTRY = "registry.example.com";
  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;

  RegistryCredential credential(List<String> namespaces) {
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "scan-pw-1");
    return CredentialBuilder.staticLogin(PLATFORM_NS, "example", REGISTRY, "robot").secretName("regcred")
        .targets(namespaces).build();
  }

  /** Answers the first {@code times} operator requests that match with {@code response}. */
  static java.util.function.Function<RecordedRequest, MockResponse> failing(
      Predicate<RecordedRequest> match, int times, java.util.function.Supplier<MockResponse> response) {
    AtomicInteger left = new AtomicInteger(times);
    return r -> MockApiServer.OPERATOR_AGENT.equals(r.getHeader("User-Agent")) && match.test(r)
        && left.getAndDecrement() > 0 ? response.get() : null;
  }

  static Predicate<RecordedRequest> write(String method, String pathPart) {
    return r -> r.getMethod().equals(method) && r.getPath().contains(pathPart);
  }

  @Test
  void serverErrorsAndConflictsOnWritesAreRetriedToTheCorrectState() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-b", Map.of());
    // 500s on creates in team-a and on the service account patch in team-b.
    var sa500 = failing(write("PATCH", "/namespaces/team-b/serviceaccounts"), 2, () -> new MockResponse().setResponseCode(500));
    var create500 = failing(write("POST", "/namespaces/team-a/secrets"), 2, () -> new MockResponse().setResponseCode(500));
    h.mock().setFault(r -> {
      MockResponse a = create500.apply(r);
      return a != null ? a : sa500.apply(r);
    });
    h.apply(credential(List.of("team-a", "team-b")));

    RegistryCredential failing = h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "SyncFailed");
    assertThat(failing.getStatus().getFailedNamespaces()).extracting(f -> f.getNamespace()).contains("team-a");
    assertThat(condition(failing, "Reconciling").orElseThrow().getStatus()).isEqualTo("True");

    h.awaitReady(PLATFORM_NS, "example");
    assertThat(h.dockerConfig("team-a", "regcred")).isEqualTo(Fixtures.robotDockerConfig("scan-pw-1"));
    assertThat(h.pullSecretNames("team-b", "default")).containsExactly("regcred");

    // 409 on the updates of a rotation: retried from fresh state.
    h.mock().setFault(failing(write("PUT", "/secrets/regcred"), 2, () -> new MockResponse().setResponseCode(409)
        .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Conflict\",\"code\":409}")));
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "scan-pw-2");
    h.awaitUntil(() -> h.dockerConfig("team-a", "regcred").equals(Fixtures.robotDockerConfig("scan-pw-2")) && h.dockerConfig("team-b", "regcred").equals(Fixtures.robotDockerConfig("scan-pw-2")));
    h.awaitReady(PLATFORM_NS, "example");
    // Never a partial Secret: every Secret write carried the full document.
    assertThat(h.api.operatorRequests().stream().filter(r -> r.path().contains("/secrets") && (r.method().equals("POST") || r.method().equals("PUT"))))
        .allMatch(r -> r.body().contains(b64(Fixtures.robotDockerConfig("scan-pw-1"))) || r.body().contains(b64(Fixtures.robotDockerConfig("scan-pw-2"))));
  }

  @Test
  void throttlingWithRetryAfterIsHonoured() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.mock().setFault(failing(write("POST", "/namespaces/team-a/secrets"), 1,
        () -> new MockResponse().setResponseCode(429).addHeader("Retry-After", "2")
            .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"TooManyRequests\","
                + "\"details\":{\"retryAfterSeconds\":2},\"code\":429}")));
    h.apply(credential(List.of("team-a")));
    h.awaitReady(PLATFORM_NS, "example");

    List<io.pullsecrets.operator.testing.ApiRequest> posts = h.api.operatorRequests().stream()
        .filter(r -> r.method().equals("POST") && r.path().contains("/namespaces/team-a/secrets")).toList();
    assertThat(posts).hasSize(2);
    assertThat(Duration.ofNanos(posts.get(1).nanoTime() - posts.get(0).nanoTime())).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(h.dockerConfig("team-a", "regcred")).isEqualTo(Fixtures.robotDockerConfig("scan-pw-1"));
  }

  @Test
  void droppedWatchConnectionsRecoverAndChangesMadeMeanwhileAreReconciled() throws Exception {
    DroppedConnections.recoverAndReconcile(new MockApiServer(), closer, "scan-pw");
  }

  @Test
  void aSourceWatchEndedByAnUnreadableEventIsRestarted() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    // The first watch of the source Secret gets an event the client cannot use. The client ends such
    // a watch with an error after which, by default, the informer stops for good.
    AtomicInteger badWatches = new AtomicInteger(1);
    h.mock().setFault(r -> MockApiServer.OPERATOR_AGENT.equals(r.getHeader("User-Agent"))
        && r.getPath().startsWith("/api/v1/namespaces/" + PLATFORM_NS + "/secrets?") && r.getPath().contains("watch=true")
        && badWatches.getAndDecrement() > 0
            ? new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
              @Override
              public void onOpen(WebSocket ws, Response response) {
                ws.send("{\"type\":\"ADDED\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\"}}");
              }
            })
            : null);
    h.apply(credential(List.of("team-a")));
    h.awaitReady(PLATFORM_NS, "example");
    h.awaitUntil(() -> badWatches.get() < 0); // the informer watched again after the bad watch

    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "scan-pw-2");
    h.awaitUntil(() -> h.dockerConfig("team-a", "regcred").equals(Fixtures.robotDockerConfig("scan-pw-2")));
  }

  @Test
  void stoppedInTheMiddleOfARotationAndRestartedItConverges() {
    h = closer.add(OperatorHarness.onMock()).start();
    List<String> namespaces = IntStream.range(0, 200).mapToObj(i -> "ns-" + i).toList();
    namespaces.forEach(ns -> Fixtures.namespace(h.client, ns, Map.of()));
    h.apply(credential(namespaces));
    h.awaitReady(PLATFORM_NS, "example");

    // Slow Secret updates down so the rotation is still running when the operator stops.
    h.mock().setFault(r -> {
      if (MockApiServer.OPERATOR_AGENT.equals(r.getHeader("User-Agent")) && r.getMethod().equals("PUT") && r.getPath().contains("/secrets/")) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return null;
    });
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "scan-pw-2");
    h.awaitUntil(() -> h.api.operatorRequests().stream().filter(r -> r.method().equals("PUT") && r.path().contains("/secrets/")).count() >= 10);
    h.stopOperator();
    long rotated = namespaces.stream().filter(ns -> h.dockerConfig(ns, "regcred").equals(Fixtures.robotDockerConfig("scan-pw-2"))).count();
    assertThat(rotated).as("stopped mid-rotation").isBetween(1L, 199L);

    h.mock().setFault(null);
    h.start();
    h.awaitUntil(() -> namespaces.stream().allMatch(ns -> h.dockerConfig(ns, "regcred").equals(Fixtures.robotDockerConfig("scan-pw-2"))));
    h.awaitReady(PLATFORM_NS, "example");
    assertThat(namespaces).allSatisfy(ns -> assertThat(h.pullSecretNames(ns, "default")).containsExactly("regcred"));
  }

  @Test
  void twoCredentialsClaimingOneSecretNameTheSecondWaitsAndTakesOverVisibly() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    RegistryCredential first = h.apply(credential(List.of("team-a")));
    h.awaitReady(PLATFORM_NS, "example");

    Fixtures.loginSecret(h.client, PLATFORM_NS, "other-robot", "other", "scan-pw-x");
    RegistryCredential second = CredentialBuilder.staticLogin(PLATFORM_NS, "second", "other.example.com", "other-robot")
        .secretName("regcred").targets(List.of("team-a")).build();
    second = h.apply(second);

    RegistryCredential conflicted = h.awaitCondition(PLATFORM_NS, "second", "Ready", "False", "Conflict");
    assertThat(conflicted.getStatus().getFailedNamespaces()).singleElement()
        .satisfies(f -> assertThat(f.getMessage()).contains("managed by RegistryCredential platform/example"));
    assertThat(h.secret("team-a", "regcred").orElseThrow().getMetadata().getLabels())
        .containsEntry(Labels.CREDENTIAL_UID, first.getMetadata().getUid());
    assertThat(h.dockerConfig("team-a", "regcred")).isEqualTo(Fixtures.robotDockerConfig("scan-pw-1"));

    h.client.resources(RegistryCredential.class).inNamespace(PLATFORM_NS).withName("example").delete();
    h.awaitUntil(() -> h.get(PLATFORM_NS, "example") == null);

    String secondUid = second.getMetadata().getUid();
    h.awaitUntil(() -> h.secret("team-a", "regcred")
        .map(s -> secondUid.equals(s.getMetadata().getLabels().get(Labels.CREDENTIAL_UID))).orElse(false));
    RegistryCredential tookOver = h.awaitReady(PLATFORM_NS, "second");
    assertThat(tookOver.getStatus().getFailedNamespaces()).isNull();
    assertThat(h.dockerConfig("team-a", "regcred")).contains("other.example.com");
    h.awaitUntil(() -> h.client.v1().events().inNamespace(PLATFORM_NS).list().getItems().stream()
        .anyMatch(e -> "second".equals(e.getInvolvedObject().getName()) && "Synced".equals(e.getReason())));
  }

  @Test
  void terminatingNamespacesAreNotTargetedAndTheNextEventSendsAtMostTwoRequestsIntoThem() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of("pull", "yes"));
    h.heldNamespace("leaving", Map.of("pull", "yes"));
    RegistryCredential rc = credential(null);
    rc.getSpec().getTargets().setNamespaceSelector(new io.pullsecrets.operator.api.LabelSelectorSpec(Map.of("pull", "yes"), null));
    h.apply(rc);
    h.awaitUntil(() -> h.secret("leaving", "regcred").isPresent());

    // A real API server refuses writes into a terminating namespace.
    h.terminate("leaving");
    h.awaitUntil(() -> h.client.namespaces().withName("leaving").get().getMetadata().getDeletionTimestamp() != null);

    RegistryCredential status = h.awaitResource(PLATFORM_NS, "example",
        r -> r.getStatus() != null && r.getStatus().getNamespaces() != null && r.getStatus().getNamespaces().getTargeted() == 1);
    assertThat(condition(status, "Ready").orElseThrow().getStatus()).isEqualTo("True");
    long before = h.api.operatorRequests().stream().filter(r -> r.path().contains("/namespaces/leaving/")).count();
    // More events for the terminating namespace cause no writes into it.
    int reconciles = h.reconciles(PLATFORM_NS, "example");
    Fixtures.namespace(h.client, "team-b", Map.of("pull", "yes"));
    h.awaitUntil(() -> h.secret("team-b", "regcred").isPresent() && h.reconciles(PLATFORM_NS, "example") > reconciles);
    long after = h.api.operatorRequests().stream().filter(r -> r.path().contains("/namespaces/leaving/")).count();
    assertThat(after - before).isLessThanOrEqualTo(2);
  }

  @Test
  void deletedWhileTheApiServerFailsWritesCleanupCompletesAfterRecovery() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-b", Map.of());
    h.apply(credential(List.of("team-a", "team-b")));
    h.awaitReady(PLATFORM_NS, "example");

    h.mock().setFault(r -> MockApiServer.OPERATOR_AGENT.equals(r.getHeader("User-Agent"))
        && (r.getMethod().equals("DELETE") || (r.getMethod().equals("PATCH") && r.getPath().contains("/serviceaccounts/")))
        && r.getPath().contains("/namespaces/team-b/")
        ? new MockResponse().setResponseCode(503) : null);
    h.client.resources(RegistryCredential.class).inNamespace(PLATFORM_NS).withName("example").delete();

    // team-a is cleaned, team-b cannot be: the finalizer stays and so does team-b's Secret.
    h.awaitUntil(() -> h.secret("team-a", "regcred").isEmpty());
    h.awaitUntil(() -> h.api.operatorRequests().stream().filter(r -> r.path().contains("/namespaces/team-b/serviceaccounts")
        && r.method().equals("PATCH")).count() >= 2);
    RegistryCredential stuck = h.get(PLATFORM_NS, "example");
    assertThat(stuck).isNotNull();
    assertThat(stuck.getMetadata().getFinalizers()).contains("pullsecrets.io/cleanup");
    assertThat(h.secret("team-b", "regcred")).isPresent();

    h.mock().setFault(null);
    h.awaitUntil(() -> h.get(PLATFORM_NS, "example") == null);
    assertThat(h.secret("team-b", "regcred")).isEmpty();
    assertThat(h.pullSecretNames("team-b", "default")).isEmpty();
    assertThat(h.pullSecretNames("team-a", "default")).isEmpty();
  }

  @Test
  void hostileInputGetsAClearConditionAndOnlyExistingNamespacesAreTargeted() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());

    // 10,000 target names, most of which do not exist.
    List<String> names = new ArrayList<>(IntStream.range(0, 10_000).mapToObj(i -> "ns-" + i).toList());
    names.add("team-a");
    h.apply(credential(names));
    RegistryCredential many = h.awaitReady(PLATFORM_NS, "example");
    assertThat(many.getStatus().getNamespaces().getTargeted()).isEqualTo(1);

    // A Secret name Kubernetes would refuse.
    RegistryCredential longName = Fixtures.staticCredential(PLATFORM_NS, "long", REGISTRY, "robot");
    longName.getSpec().setSecretName("x".repeat(300));
    h.apply(longName);
    assertThat(condition(h.awaitCondition(PLATFORM_NS, "long", "Ready", "False", "InvalidSpec"), "Ready").orElseThrow().getMessage())
        .startsWith("secret name 'xxx").contains("at most 253 characters");

    // Selectors with every operator, Unicode in values.
    RegistryCredential selectors = Fixtures.staticCredential(PLATFORM_NS, "selectors", REGISTRY, "robot");
    TargetsSpec t = new TargetsSpec();
    t.setNamespaceSelector(new io.pullsecrets.operator.api.LabelSelectorSpec(Map.of("team", "a"), List.of(
        new io.pullsecrets.operator.api.LabelSelectorRequirementSpec("env", "In", List.of("prod")),
        new io.pullsecrets.operator.api.LabelSelectorRequirementSpec("env", "NotIn", List.of("dev")),
        new io.pullsecrets.operator.api.LabelSelectorRequirementSpec("pull", "Exists", null),
        new io.pullsecrets.operator.api.LabelSelectorRequirementSpec("legacy", "DoesNotExist", null),
        new io.pullsecrets.operator.api.LabelSelectorRequirementSpec("name", "In", List.of("ünïcødé")))));
    selectors.getSpec().setTargets(t);
    h.apply(selectors);
    assertThat(condition(h.awaitCondition(PLATFORM_NS, "selectors", "Ready", "False", "InvalidSpec"), "Ready").orElseThrow().getMessage())
        .isEqualTo("spec.targets.namespaceSelector: invalid value 'ünïcødé' for key 'name'");

    // An empty source Secret and a huge one.
    Fixtures.dataSecret(h.client, PLATFORM_NS, "empty", Map.of());
    h.apply(Fixtures.staticCredential(PLATFORM_NS, "from-empty", REGISTRY, "empty"));
    assertThat(condition(h.awaitCondition(PLATFORM_NS, "from-empty", "Ready", "False", "InvalidSource"), "Ready").orElseThrow().getMessage())
        .isEqualTo("Secret 'empty' has no key 'username'");
    Fixtures.dataSecret(h.client, PLATFORM_NS, "huge", Map.of("username", "u", "password", "p".repeat(800_000)));
    h.apply(Fixtures.staticCredential(PLATFORM_NS, "from-huge", REGISTRY, "huge"));
    assertThat(condition(h.awaitCondition(PLATFORM_NS, "from-huge", "Ready", "False", "InvalidSource"), "Ready").orElseThrow().getMessage())
        .startsWith("the rendered .dockerconfigjson is ").endsWith("bytes; a Secret holds at most 1 MiB");
    assertThat(h.secret(PLATFORM_NS, "from-huge")).isEmpty();
  }

  // Issue 9, item 8: one namespace whose writes keep failing must not hold back the others.
  @Test
  void aNamespaceThatKeepsFailingDoesNotDelayRepairsElsewhere() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "team-bad", Map.of());
    AtomicInteger badAttempts = new AtomicInteger();
    h.mock().setFault(r -> {
      boolean write = !r.getMethod().equals("GET");
      if (MockApiServer.OPERATOR_AGENT.equals(r.getHeader("User-Agent")) && write && r.getPath().contains("/namespaces/team-bad/")) {
        badAttempts.incrementAndGet();
        return new MockResponse().setResponseCode(500);
      }
      return null;
    });
    RegistryCredential rc = credential(List.of("team-a", "team-bad"));
    io.pullsecrets.operator.api.ServiceAccountsSpec all = new io.pullsecrets.operator.api.ServiceAccountsSpec();
    all.setAll(true);
    rc.getSpec().setServiceAccounts(all);
    h.apply(rc);
    h.awaitCondition(PLATFORM_NS, "example", "Ready", "False", "SyncFailed");
    h.awaitUntil(() -> h.dockerConfig("team-a", "regcred").equals(Fixtures.robotDockerConfig("scan-pw-1")) && h.pullSecretNames("team-a", "default").contains("regcred"));
    // Four failures in team-bad: a backoff of the whole credential would now wait 8 s and more.
    h.awaitUntil(() -> badAttempts.get() >= 4);

    long start = System.nanoTime();
    h.client.secrets().inNamespace("team-a").withName("regcred").delete();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
        .until(() -> h.dockerConfig("team-a", "regcred").equals(Fixtures.robotDockerConfig("scan-pw-1")));
    System.out.println("[item 8] hand-deleted Secret in a healthy namespace restored after "
        + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms while team-bad keeps failing");
    Fixtures.serviceAccount(h.client, "team-a", "builder", Map.of());
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
        .until(() -> h.pullSecretNames("team-a", "builder").equals(List.of("regcred")));
    RegistryCredential status = h.get(PLATFORM_NS, "example");
    assertThat(status.getStatus().getFailedNamespaces()).extracting(f -> f.getNamespace()).containsExactly("team-bad");
  }
}
