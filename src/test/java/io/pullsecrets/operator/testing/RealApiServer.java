package io.pullsecrets.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.api.ClusterRegistryCredential;
import io.pullsecrets.operator.api.RegistryCredential;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One test's view of the JVM's {@link ControlPlane}. The operator's client acts as the chart's
 * ServiceAccount (a client certificate of that name; the test's clients are admin), so the
 * ClusterRole rendered in {@code deploy/} is enforced by the server on every request it makes. Its
 * requests are read back from the audit log (every one; of other users, the writes).
 * On close, every namespace the test made is deleted (finalizers of RegistryCredentials left by a
 * stopped operator are removed first); the next test starts once they are gone.
 */
public final class RealApiServer implements TestApi {
  public static final String OPERATOR_NS = "pullsecret-system";
  public static final String OPERATOR_SA = "pullsecret-operator";
  /** The chart's ServiceAccount, as the API server names it. */
  public static final String OPERATOR_USER = "system:serviceaccount:" + OPERATOR_NS + ":" + OPERATOR_SA;
  public static final Set<String> SYSTEM_NAMESPACES = Set.of("default", "kube-system", "kube-public", "kube-node-lease");

  public final ControlPlane controlPlane;
  private final KubernetesClient client;
  private final List<KubernetesClient> opened = new CopyOnWriteArrayList<>();
  private volatile long auditOffset;
  /** The audit log with its rotated files: offsets into it stay valid when the server rotates it. */
  private final AuditLog audit;

  public RealApiServer() {
    controlPlane = ControlPlane.get();
    audit = new AuditLog(controlPlane.auditLog);
    client = controlPlane.adminClient();
    deleteTestNamespaces();
    awaitNoTestNamespaces();
    applyClusterRbac();
    auditOffset = auditSize();
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public boolean real() {
    return true;
  }

  /** The operator's client: the chart's ServiceAccount, with the chart's RBAC. */
  @Override
  public KubernetesClient newOperatorClient() {
    return newClient(MockApiServer.OPERATOR_AGENT, true);
  }

  /** The operator's client, connected through {@code proxy} (which can cut its connections). */
  public KubernetesClient newOperatorClient(TcpProxy proxy) {
    return newClient(MockApiServer.OPERATOR_AGENT, true, "https://127.0.0.1:" + proxy.port());
  }

  /**
   * The operator's client, with {@code interceptor} seeing each of its requests just before it is
   * sent (to act as another client at that moment).
   */
  public KubernetesClient newOperatorClient(io.fabric8.kubernetes.client.http.Interceptor interceptor) {
    KubernetesClient c = new KubernetesClientBuilder().withConfig(operatorConfig(controlPlane.server))
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("test-interceptor", interceptor)).build();
    opened.add(c);
    return c;
  }

  /** The API server's port. */
  public int port() {
    return java.net.URI.create(controlPlane.server).getPort();
  }

  /** A client with this User-Agent, acting as the chart's ServiceAccount or as cluster-admin. */
  public KubernetesClient newClient(String userAgent, boolean asOperator) {
    return newClient(userAgent, asOperator, controlPlane.server);
  }

  private KubernetesClient newClient(String userAgent, boolean asOperator, String url) {
    Config config = new ConfigBuilder(asOperator ? controlPlane.operatorConfig() : controlPlane.adminConfig())
        .withUserAgent(userAgent).withMasterUrl(url)
        .withRequestRetryBackoffLimit(PullSecretOperator.REQUEST_RETRIES).build();
    KubernetesClient c = new KubernetesClientBuilder().withConfig(config).build();
    opened.add(c);
    return c;
  }

  private Config operatorConfig(String url) {
    return new ConfigBuilder(controlPlane.operatorConfig()).withUserAgent(MockApiServer.OPERATOR_AGENT).withMasterUrl(url)
        .withRequestRetryBackoffLimit(PullSecretOperator.REQUEST_RETRIES).build();
  }

  /** The Role and RoleBinding the chart gives the operator for its Lease, in {@code namespace}. */
  public void grantLeaderElection(String namespace) {
    for (HasMetadata o : ControlPlane.deployObjects(client, "Role", "RoleBinding")) {
      o.getMetadata().setNamespace(namespace);
      client.resource(o).inNamespace(namespace).serverSideApply();
    }
  }

  /** The chart's ClusterRoles and bindings, as deploy/ has them (again for every test: one may have changed them). */
  private void applyClusterRbac() {
    for (HasMetadata o : ControlPlane.deployObjects(client, "ClusterRole", "ClusterRoleBinding")) {
      client.resource(o).forceConflicts().serverSideApply();
    }
  }

  /** Writes the operator made since this test began (or since {@link #clearRequests()}), from the audit log. */
  @Override
  public List<ApiRequest> operatorRequests() {
    return operatorAuditEvents().stream().map(e -> toRequest(e, true)).filter(ApiRequest::isWrite).toList();
  }

  /** Every request the operator made since this test began (or since {@link #clearRequests()}), reads too. */
  public List<JsonNode> operatorAuditEvents() {
    return auditEvents(auditOffset).stream().filter(RealApiServer::byOperator).toList();
  }

  /** Every request the operator made since the control plane started (all tests of this JVM so far). */
  public List<JsonNode> operatorAuditEventsOfTheJvm() {
    return auditEvents(0).stream().filter(RealApiServer::byOperator).toList();
  }

  /** Whether an audit event records a request of the operator (the chart's ServiceAccount). */
  public static boolean byOperator(JsonNode auditEvent) {
    return OPERATOR_USER.equals(auditEvent.path("user").path("username").asText());
  }

  /** Every request recorded since this test began: the operator's, and the writes of anyone. */
  public List<JsonNode> auditEvents() {
    return auditEvents(auditOffset);
  }

  public static ApiRequest toRequest(JsonNode e, boolean byOperator) {
    String method = switch (e.path("verb").asText()) {
      case "create" -> "POST";
      case "update" -> "PUT";
      case "patch" -> "PATCH";
      case "delete", "deletecollection" -> "DELETE";
      default -> "GET";
    };
    JsonNode body = e.get("requestObject");
    return new ApiRequest(method, e.path("requestURI").asText(), body == null ? "" : body.toString(),
        e.path("userAgent").asText(""), byOperator, 0);
  }

  private List<JsonNode> auditEvents(long from) {
    List<JsonNode> events = new ArrayList<>();
    try {
      for (String line : audit.readFrom(from).lines()) {
        if (!line.endsWith("}")) {
          continue;
        }
        JsonNode e = Serialization.jsonMapper().readTree(line);
        if (recordsOnce(e)) {
          events.add(e);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot parse the audit log " + controlPlane.auditLog, e);
    }
    return events;
  }

  /**
   * One event a request: a watch when it starts (it completes only when it is closed, after the
   * test has looked), anything else when it completes.
   */
  private static boolean recordsOnce(JsonNode e) {
    String stage = e.path("stage").asText();
    return "watch".equals(e.path("verb").asText()) ? "ResponseStarted".equals(stage) : "ResponseComplete".equals(stage);
  }

  private long auditSize() {
    return audit.size();
  }

  @Override
  public void clearRequests() {
    auditOffset = auditSize();
  }

  private List<String> testNamespaces() {
    return client.namespaces().list().getItems().stream().map(n -> n.getMetadata().getName())
        .filter(n -> !SYSTEM_NAMESPACES.contains(n)).toList();
  }

  private void deleteTestNamespaces() {
    // A RegistryCredential keeps its finalizer when the operator stopped first: the namespace
    // would wait for it forever.
    for (RegistryCredential rc : client.resources(RegistryCredential.class).inAnyNamespace().list().getItems()) {
      if (rc.getMetadata().getFinalizers() != null && !rc.getMetadata().getFinalizers().isEmpty()) {
        // A merge patch without resourceVersion: a write still landing (a stopping operator's
        // status) must not make the clean-up fail with 409.
        try {
          client.resources(RegistryCredential.class).inNamespace(rc.getMetadata().getNamespace())
              .withName(rc.getMetadata().getName())
              .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                  "{\"metadata\":{\"finalizers\":null}}");
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
          if (e.getCode() != 404) {
            throw e;
          }
        }
      }
    }
    // ClusterRegistryCredentials are in no namespace: deleted here, their finalizer removed, so
    // that none outlives its test and writes into the next one's namespaces.
    for (ClusterRegistryCredential crc : client.resources(ClusterRegistryCredential.class).list().getItems()) {
      var one = client.resources(ClusterRegistryCredential.class).withName(crc.getMetadata().getName());
      try {
        one.patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"metadata\":{\"finalizers\":null}}");
        one.delete();
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
    for (String ns : testNamespaces()) {
      // A pod bound to the real node goes only when its kubelet confirms, which can take longer than
      // the next test waits: the test's pods are removed at once (the kubelet cleans up after).
      client.pods().inNamespace(ns).withGracePeriod(0).delete();
      client.namespaces().withName(ns).delete();
    }
    for (String ns : SYSTEM_NAMESPACES) {
      Namespace n = client.namespaces().withName(ns).get();
      if (n != null && n.getMetadata().getLabels().size() > 1) {
        client.namespaces().withName(ns).edit(x -> {
          x.getMetadata().setLabels(new java.util.HashMap<>(Map.of("kubernetes.io/metadata.name", ns)));
          return x;
        });
      }
    }
  }

  private void awaitNoTestNamespaces() {
    org.awaitility.Awaitility.await("namespaces of an earlier test are gone").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100)).until(() -> testNamespaces().isEmpty());
  }

  /** Whether a namespace exists and is not terminating. */
  public boolean active(String ns) {
    Namespace n = client.namespaces().withName(ns).get();
    return n != null && n.getMetadata().getDeletionTimestamp() == null;
  }

  @Override
  public void close() {
    try {
      deleteTestNamespaces();
    } finally {
      opened.forEach(KubernetesClient::close);
      client.close();
    }
  }
}
