package io.pullsecrets.operator.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * fabric8's CRUD mock API server, with the RegistryCredential CRD installed, a record of every
 * request (verb and path), and an optional fault hook in front of it.
 */
public final class MockApiServer implements TestApi {
  /** The User-Agent of {@link #newOperatorClient()}, to tell the operator's requests from the test's. */
  public static final String OPERATOR_AGENT = "pullsecret-operator-under-test";
  public static final Path CRD = Path.of("crds/registrycredentials.pullsecrets.io-v1.yml");
  public static final Path CLUSTER_CRD = Path.of("crds/clusterregistrycredentials.pullsecrets.io-v1.yml");

  /** The mock web server logs every request at INFO through java.util.logging: too loud for CI. */
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final List<ApiRequest> requests = new CopyOnWriteArrayList<>();
  private volatile Function<RecordedRequest, MockResponse> fault = r -> null;
  private final KubernetesMockServer server;
  private final KubernetesClient client;

  public MockApiServer() {
    KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
    Dispatcher dispatcher = new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String agent = request.getHeader("User-Agent");
        requests.add(new ApiRequest(request.getMethod(), request.getPath(),
            request.getBody() == null ? "" : new String(request.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8),
            agent, OPERATOR_AGENT.equals(agent), System.nanoTime()));
        MockResponse injected = fault.apply(request);
        if (injected != null) {
          return injected;
        }
        try {
          return crud.dispatch(request);
        } catch (RuntimeException e) {
          // A failed JSON patch "test" op: a real API server answers 422.
          return new MockResponse().setResponseCode(422).setBody(
              "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Invalid\",\"code\":422}");
        }
      }
    };
    server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    client = server.createClient();
    for (Path file : List.of(CRD, CLUSTER_CRD)) {
      try (InputStream in = Files.newInputStream(file)) {
        CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A client of this server (one per caller: the operator and the test each get their own). */
  public KubernetesClient newClient() {
    return server.createClient();
  }

  /** A client for the operator: its requests are marked (see {@link Request#byOperator()}). */
  @Override
  public KubernetesClient newOperatorClient() {
    return server.createClient(b -> b.editOrNewConfig().withUserAgent(OPERATOR_AGENT)
        .withRequestRetryBackoffLimit(io.pullsecrets.operator.PullSecretOperator.REQUEST_RETRIES).endConfig());
  }

  /** An operator client that connects through {@code proxy} (which can drop connections). */
  public KubernetesClient newOperatorClient(TcpProxy proxy) {
    return server.createClient(b -> b.editOrNewConfig().withUserAgent(OPERATOR_AGENT)
        .withMasterUrl("http://127.0.0.1:" + proxy.port())
        .withRequestRetryBackoffLimit(io.pullsecrets.operator.PullSecretOperator.REQUEST_RETRIES).endConfig());
  }

  /** Requests the operator sent. */
  @Override
  public List<ApiRequest> operatorRequests() {
    return requests.stream().filter(ApiRequest::byOperator).toList();
  }

  @Override
  public boolean real() {
    return false;
  }

  /** The test's own client. */
  @Override
  public KubernetesClient client() {
    return client;
  }

  public List<ApiRequest> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void clearRequests() {
    requests.clear();
  }

  /** Answers requests for which {@code fault} returns a response; null passes through. */
  public void setFault(Function<RecordedRequest, MockResponse> fault) {
    this.fault = fault == null ? r -> null : fault;
  }

  /** The port the mock server listens on. */
  public int port() {
    return server.getPort();
  }

  public KubernetesMockServer server() {
    return server;
  }

  @Override
  public void close() {
    client.close();
    destroy(server);
  }

  /** Stops a mock server. */
  public static void destroy(KubernetesMockServer server) {
    try {
      server.destroy();
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // fabric8's MockWebServer.shutdown races itself: its first close listener stops Vert.x, and
      // the await that follows can then find the event loop gone. The server is closed by then.
    }
  }
}
