package io.pullsecrets.operator.realserver;

import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.DroppedConnections;
import io.pullsecrets.operator.testing.RealApiServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's connections to the real API server cut (a TCP proxy in front of it refuses and
 * drops them, as an API server restart or a load balancer does): its watches resume from their
 * resourceVersion, and what changed meanwhile is reconciled. The same scenario runs on the CRUD
 * mock in FaultsTest.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class DroppedConnectionsTest {
  @RegisterExtension final Closer closer = new Closer();

  @Test
  void droppedConnectionsRecoverAndChangesMadeMeanwhileAreReconciled() throws Exception {
    DroppedConnections.recoverAndReconcile(new RealApiServer(), closer, "cut-pw");
  }
}
