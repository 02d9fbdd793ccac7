package io.pullsecrets.operator.provider.cloud;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pullsecrets.operator.Labels;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * fabric8's mock API server answering the TokenRequest subresource
 * ({@code POST /api/v1/namespaces/<ns>/serviceaccounts/<sa>/token}), recording the requests.
 */
public final class MockTokenApi implements AutoCloseable {
  private final KubernetesMockServer server = new KubernetesMockServer(false);
  private final KubernetesClient client;
  /** The TokenRequests the API server received. */
  public final List<TokenRequest> received = new CopyOnWriteArrayList<>();

  public MockTokenApi() {
    server.init();
    client = server.createClient();
  }

  public KubernetesClient client() {
    return client;
  }

  public ServiceAccountTokens tokens() {
    return new KubernetesServiceAccountTokens(client);
  }

  /**
   * The service account exists, with annotation pullsecrets.io/allowed-credentials set to
   * {@code allowedCredentials} (none when null), and gets {@code token}, any number of times.
   */
  public MockTokenApi serviceAccount(String namespace, String name, String allowedCredentials, String token) {
    exists(namespace, name, allowedCredentials);
    server.expect().post().withPath(path(namespace, name)).andReply(201, req -> {
      TokenRequest in = Serialization.unmarshal(req.getUtf8Body(), TokenRequest.class);
      received.add(in);
      return new TokenRequestBuilder(in).withNewStatus().withToken(token)
          .withExpirationTimestamp("2030-01-01T00:00:00Z").endStatus().build();
    }).always();
    return this;
  }

  /** The service account exists (annotated as given) and its token subresource answers with an error status. */
  public MockTokenApi failing(String namespace, String name, String allowedCredentials, int code) {
    exists(namespace, name, allowedCredentials);
    server.expect().post().withPath(path(namespace, name)).andReturn(code,
        new StatusBuilder().withCode(code).withMessage("stub").withStatus("Failure").build()).always();
    return this;
  }

  /** GET of the service account answers it, with the annotation when not null; unknown ones are 404. */
  private void exists(String namespace, String name, String allowedCredentials) {
    ServiceAccountBuilder sa = new ServiceAccountBuilder().withNewMetadata().withName(name).withNamespace(namespace)
        .withResourceVersion("1").endMetadata();
    if (allowedCredentials != null) {
      sa.editMetadata().addToAnnotations(Labels.ALLOWED_CREDENTIALS_ANNOTATION, allowedCredentials).endMetadata();
    }
    server.expect().get().withPath("/api/v1/namespaces/" + namespace + "/serviceaccounts/" + name)
        .andReturn(200, sa.build()).always();
  }

  private static String path(String namespace, String name) {
    return "/api/v1/namespaces/" + namespace + "/serviceaccounts/" + name + "/token";
  }

  @Override
  public void close() {
    client.close();
    io.pullsecrets.operator.testing.MockApiServer.destroy(server);
  }
}
