package io.pullsecrets.operator.node;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.ecr.EcrStub;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.Node;
import io.pullsecrets.operator.testing.OnRealNode;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ECR end to end: the project's ECR stub mints the tokens, the local registry accepts only the one
 * minted last (as {@code AWS:<token>}), and pods pull images named after the ECR registry
 * ({@link EcrStub#REGISTRY}, which containerd reaches as the local registry). The refresh is the
 * operator's own, driven by its clock passing {@code nextRefreshTime}.
 */
@OnRealNode
class EcrPullTest {
  final TestClock clock = new TestClock(Instant.now());
  @RegisterExtension final Closer closer = new Closer();
  Node node;
  EcrStub stub;
  OperatorHarness h;

  @BeforeEach
  void start() throws Exception {
    node = Node.get();
    stub = closer.add(new EcrStub("node-ecr-token", clock));
    stub.minted = token -> node.accounts(Map.of("AWS", token));
    h = closer.add(new OperatorHarness());
    closer.add(() -> Node.deletePods(h.client));
    h.start(OperatorHarness.config(Set.of()), o -> o.withProviders(new ProviderRegistry(List.of(stub.provider(h.operatorClient()))))
        .withClock(clock).withJitter(() -> 0));
    stub.keysSecret(h.client, PLATFORM_NS);
  }

  @Test
  void podsCreatedBeforeAndAfterAnExpiryDrivenRefreshAllRun() {
    String v1 = EcrStub.REGISTRY + "/" + node.push("ecr/app:v1").substring(node.registry.length() + 1);
    String v2 = EcrStub.REGISTRY + "/" + node.push("ecr/app:v2").substring(node.registry.length() + 1);
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.namespace(h.client, "ticker", Map.of("tick", "0"));
    Fixtures.namespace(h.client, "stale", Map.of());
    h.apply(EcrStub.accessKeysCredential(PLATFORM_NS, "ecr", List.of("team-a")));
    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "ecr");
    h.awaitUntil(() -> h.pullSecretNames("team-a", "default").contains("ecr-pull"));
    Pod before = Node.awaitRunning(h.client, h.client.resource(Node.pod("team-a", "before", v1)).create());

    // The operator's clock passes nextRefreshTime; the next event makes it fetch token 2, and the
    // registry drops token 1.
    clock.advance(Duration.between(clock.instant(), Instant.parse(ready.getStatus().getNextRefreshTime())).plusMinutes(1));
    h.client.namespaces().withName("ticker").edit(ns -> {
      ns.getMetadata().getLabels().put("tick", "1");
      return ns;
    });
    h.awaitUntil(() -> h.secret("team-a", "ecr-pull").map(Fixtures::dockerConfigJson).orElse("").contains("node-ecr-token-2"));
    assertThat(stub.calls.get()).isEqualTo(2);

    // Token 1, kept in a Secret of its own, is refused now: the registry really rotated.
    h.client.resource(new SecretBuilder().withNewMetadata().withName("old-token").withNamespace("stale").endMetadata()
        .withType("kubernetes.io/dockerconfigjson")
        .addToData(".dockerconfigjson", Base64.getEncoder().encodeToString(("{\"auths\":{\"" + EcrStub.REGISTRY
            + "\":{\"username\":\"AWS\",\"password\":\"node-ecr-token-1\"}}}").getBytes(StandardCharsets.UTF_8)))
        .build()).create();
    Pod stale = h.client.resource(new PodBuilder(Node.pod("stale", "old-token", v2)).editSpec().addNewImagePullSecret("old-token")
        .endSpec().build()).create();
    assertThat(Node.awaitPullFailure(h.client, stale)).contains("401 Unauthorized");

    // Pods created after the refresh run: a new image, and the image on the node.
    Node.awaitRunning(h.client, h.client.resource(Node.pod("team-a", "after-new-image", v2)).create());
    assertThat(Node.pullEvents(h.client, "team-a", "after-new-image")).anyMatch(e -> e.startsWith("Pulled: Successfully pulled image"));
    Node.awaitRunning(h.client, h.client.resource(Node.pod("team-a", "after-same-image", v1)).create());
    System.out.println("[node] ECR refresh, a new pod of the image pulled with token 1: " + Node.pullEvents(h.client, "team-a", "after-same-image"));

    Pod still = h.client.pods().inNamespace("team-a").withName("before").get();
    assertThat(still.getMetadata().getUid()).isEqualTo(before.getMetadata().getUid());
    assertThat(still.getStatus().getPhase()).isEqualTo("Running");
  }
}
