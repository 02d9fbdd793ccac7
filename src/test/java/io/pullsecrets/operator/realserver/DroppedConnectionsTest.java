package io.pullsecrets.operator.realserver;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.api.LabelSelectorSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.RealApiServer;
import io.pullsecrets.operator.testing.TcpProxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operator's connections to the real API server cut (a TCP proxy in front of it refuses and
 * drops them, as an API server restart or a load balancer does): its watches resume from their
 * resourceVersion, and what changed meanwhile is reconciled.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class DroppedConnectionsTest {
  @Test
  void droppedConnectionsRecoverAndChangesMadeMeanwhileAreReconciled() throws Exception {
    RealApiServer api = new RealApiServer();
    try (TcpProxy proxy = new TcpProxy(api.port())) {
      KubernetesClient operatorClient = api.newOperatorClient(proxy);
      try (OperatorHarness h = new OperatorHarness(api, operatorClient).start()) {
        Fixtures.namespace(h.client, "team-a", Map.of("pull", "yes"));
        Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "cut-pw-1");
        RegistryCredential rc = Fixtures.staticCredential(PLATFORM_NS, "example", "registry.example.com", "robot");
        rc.getSpec().setSecretName("regcred");
        TargetsSpec t = new TargetsSpec();
        t.setNamespaceSelector(new LabelSelectorSpec(Map.of("pull", "yes"), null));
        rc.getSpec().setTargets(t);
        h.apply(rc);
        h.awaitReady(PLATFORM_NS, "example");
        h.awaitUntil(() -> proxy.quietFor(Duration.ofMillis(300)));

        proxy.drop(true);
        Fixtures.namespace(h.client, "team-b", Map.of("pull", "yes"));
        Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "cut-pw-2");
        h.client.secrets().inNamespace("team-a").withName("regcred").delete();
        proxy.resume();

        h.awaitUntil(() -> h.dockerConfig("team-a", "regcred").equals(Fixtures.robotDockerConfig("cut-pw-2")) && h.dockerConfig("team-b", "regcred").equals(Fixtures.robotDockerConfig("cut-pw-2")));
        h.awaitUntil(() -> h.pullSecretNames("team-b", "default").equals(List.of("regcred")));
      }
    }
  }
}
