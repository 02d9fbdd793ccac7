package io.pullsecrets.operator.testing;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One scenario on either API server (the CRUD mock and the real control plane): the operator's
 * connections cut by a TCP proxy in front of the server (refused and dropped, as an API server
 * restart or a load balancer does), a new namespace, a rotated password and a hand-deleted Secret
 * meanwhile; after the cut all three are reconciled.
 */
public final class DroppedConnections {
  private DroppedConnections() {}

  /** Runs the scenario against {@code api}, with passwords {@code password + "-1"} then {@code "-2"}; closes what it opens with {@code closer}. */
  public static void recoverAndReconcile(TestApi api, Closer closer, String password) throws java.io.IOException {
    TcpProxy proxy = closer.add(new TcpProxy(api.port()));
    OperatorHarness h = closer.add(new OperatorHarness(api, api.newOperatorClient(proxy))).start();
    Fixtures.namespace(h.client, "team-a", Map.of("pull", "yes"));
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", password + "-1");
    h.apply(CredentialBuilder.staticLogin(PLATFORM_NS, "example", "registry.example.com", "robot").secretName("regcred")
        .selecting(Map.of("pull", "yes")).build());
    h.awaitReady(PLATFORM_NS, "example");
    // The CRUD mock answers every new watch with the whole list as ADDED events; a cut in the same
    // instant as those first frames can leave the JDK WebSocket without its close callback (seen in
    // about one run in four), and only the informer's periodic watch restart (every 5 to 10
    // minutes) would recover it. So the cut waits until the connections are quiet.
    h.awaitUntil(() -> proxy.quietFor(Duration.ofMillis(300)));
    proxy.drop(true);
    // Meanwhile: a new namespace, a rotated password, a hand-deleted Secret.
    Fixtures.namespace(h.client, "team-b", Map.of("pull", "yes"));
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", password + "-2");
    h.client.secrets().inNamespace("team-a").withName("regcred").delete();
    proxy.resume();

    String rotated = Fixtures.robotDockerConfig(password + "-2");
    h.awaitUntil(() -> h.dockerConfig("team-a", "regcred").equals(rotated) && h.dockerConfig("team-b", "regcred").equals(rotated));
    h.awaitUntil(() -> h.pullSecretNames("team-b", "default").equals(List.of("regcred")));
  }
}
