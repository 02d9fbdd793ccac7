package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.MockApiServer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Source Secrets are watched per Secret: one that cannot be watched holds up nobody else, and the
 * cache keeps no tenant-sized part of them.
 */
class SourceSecretWatcherTest {
  static final String NS = "platform";
  static final ResourceID STUCK_USER = new ResourceID("stuck-credential", NS);
  static final ResourceID USER = new ResourceID("healthy-credential", NS);

  @RegisterExtension final Closer closer = new Closer();
  final MockApiServer api = closer.add(new MockApiServer());
  final KubernetesClient operatorClient = closer.add(api.newOperatorClient());
  final SourceSecretWatcher watcher = new SourceSecretWatcher(operatorClient);

  {
    closer.add(watcher::stop);
  }

  static boolean listsSecret(RecordedRequest r, String name) {
    return r.getMethod().equals("GET") && r.getPath().contains("/namespaces/" + NS + "/secrets")
        && r.getPath().contains("metadata.name%3D" + name) && !r.getPath().contains("watch=true");
  }

  @Test
  void aSourceWhoseListHangsDelaysNoOtherCredential() throws Exception {
    Fixtures.loginSecret(api.client(), NS, "robot", "robot", "watch-pw-1");
    // The list of the stuck source is answered, but its body never arrives while the test runs.
    api.setFault(r -> listsSecret(r, "stuck") ? new MockResponse().setResponseCode(200)
        .setBody("{\"kind\":\"SecretList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[]}")
        .setBodyDelay(Duration.ofSeconds(20)) : null);
    CompletableFuture<Optional<Secret>> stuck = CompletableFuture.supplyAsync(() -> watcher.get(STUCK_USER, NS, "stuck"));
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> api.operatorRequests().stream().anyMatch(r -> r.path().contains("metadata.name%3Dstuck")));

    Optional<Secret> robot = CompletableFuture.supplyAsync(() -> watcher.get(USER, NS, "robot")).get(3, TimeUnit.SECONDS);

    assertThat(robot).map(s -> s.getMetadata().getName()).contains("robot");
    assertThat(CompletableFuture.supplyAsync(() -> watcher.version(NS, "robot")).get(1, TimeUnit.SECONDS)).isNotEmpty();
    assertThat(CompletableFuture.supplyAsync(() -> watcher.usedBy(STUCK_USER)).get(1, TimeUnit.SECONDS))
        .containsExactly(new ResourceID("stuck", NS));
    CompletableFuture.runAsync(() -> watcher.retainOnly(USER, Set.of())).get(1, TimeUnit.SECONDS);
    assertThat(watcher.usedBy(USER)).isEmpty();
    assertThat(stuck).isNotDone();
  }

  @Test
  void aRefusedSourceFailsItsReaderAtOnceAndIsWatchedOnceItIsAllowed() {
    Fixtures.loginSecret(api.client(), NS, "robot", "robot", "watch-pw-2");
    api.setFault(r -> listsSecret(r, "robot") ? new MockResponse().setResponseCode(403)
        .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\",\"code\":403}") : null);

    assertThatThrownBy(() -> watcher.get(USER, NS, "robot"))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    assertThat(watcher.version(NS, "robot")).isEmpty();

    api.setFault(null);
    assertThat(watcher.get(USER, NS, "robot")).isPresent();
    assertThat(watcher.version(NS, "robot")).isNotEmpty();
  }

  @Test
  void theLastReaderLetsGoOfASourceAndItIsWatchedAgainWhenReadAgain() {
    Fixtures.loginSecret(api.client(), NS, "robot", "robot", "watch-pw-3");
    watcher.get(USER, NS, "robot");
    watcher.get(STUCK_USER, NS, "robot");

    watcher.retainOnly(USER, Set.of());
    assertThat(watcher.version(NS, "robot")).isNotEmpty();
    watcher.retainOnly(STUCK_USER, Set.of());
    assertThat(watcher.version(NS, "robot")).isEmpty();

    assertThat(watcher.get(USER, NS, "robot")).isPresent();
    assertThat(watcher.usedBy(USER)).containsExactly(new ResourceID("robot", NS));
  }

  /**
   * A tenant's source Secret with a 500 KB key no provider reads, and 200 KB of annotations: the
   * reader gets every byte (read from the API server), the cache keeps a few hundred bytes, and a
   * change is still seen (the cached resourceVersion follows it).
   */
  @Test
  void theCacheKeepsNoneOfALargeSourcesDataWhileItsReaderGetsAllOfIt() {
    String padding = "p".repeat(500_000);
    api.client().secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("large")
        .withNamespace(NS).withAnnotations(Map.of("tenant.example.com/notes", "n".repeat(200_000))).endMetadata()
        .withData(Map.of("username", Fixtures.b64("robot"), "password", Fixtures.b64("large-pw-1"),
            "padding", Fixtures.b64(padding)))
        .build()).create();

    Secret read = watcher.get(USER, NS, "large").orElseThrow();

    assertThat(read.getData()).containsEntry("password", Fixtures.b64("large-pw-1"))
        .containsEntry("padding", Fixtures.b64(padding));
    Secret cached = watcher.cached(NS, "large").orElseThrow();
    // Keys only: a failure must not print the values.
    assertThat(keys(cached.getData())).as("data keys in the cache").isEmpty();
    assertThat(keys(cached.getMetadata().getAnnotations())).as("annotations in the cache").isEmpty();
    assertThat(Serialization.asJson(cached).length()).as("size of the cached Secret as JSON").isLessThan(400);
    assertThat(watcher.version(NS, "large")).isEqualTo(read.getMetadata().getResourceVersion());

    api.client().secrets().inNamespace(NS).withName("large").edit(s -> new SecretBuilder(s)
        .addToData("password", Fixtures.b64("large-pw-2")).build());
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> !watcher.version(NS, "large").equals(read.getMetadata().getResourceVersion()));
    assertThat(watcher.get(USER, NS, "large").orElseThrow().getData()).containsEntry("password", Fixtures.b64("large-pw-2"));
    assertThat(keys(watcher.cached(NS, "large").orElseThrow().getData())).isEmpty();
  }

  private static Set<String> keys(Map<String, String> map) {
    return map == null ? Set.of() : map.keySet();
  }
}
