package io.pullsecrets.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/** The API server a test runs against: the real control plane, or fabric8's CRUD mock for fault injection. */
public interface TestApi extends AutoCloseable {
  /** The test's own client (cluster-admin). */
  KubernetesClient client();

  /** A new client for the operator, whose requests {@link #operatorRequests()} returns. */
  KubernetesClient newOperatorClient();

  /** The operator's client, connected through {@code proxy} (which can cut its connections). */
  KubernetesClient newOperatorClient(TcpProxy proxy);

  /** The API server's port. */
  int port();

  /** Requests the operator made (on the real server: writes only, from the audit log). */
  List<ApiRequest> operatorRequests();

  /** Forgets the requests recorded so far. */
  void clearRequests();

  /** Whether this is the real control plane. */
  boolean real();

  @Override
  void close();
}
