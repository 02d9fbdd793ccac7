package io.pullsecrets.operator.provider.ecr;

import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.cloud.KubernetesServiceAccountTokens;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.RealApiServer;
import io.pullsecrets.operator.testing.SecretScan;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The token-lending attack on the real API server: a tenant who may create RegistryCredentials,
 * but not {@code serviceaccounts/token}, names a powerful ServiceAccount of its namespace in
 * {@code ecr.auth.webIdentity}. The operator (which holds {@code serviceaccounts/token create}
 * cluster-wide) must not mint that account's token unless the account opted in, never for an
 * audience the API server accepts, and then only for STS's audience and for as short as the API
 * allows. The tokens here are real: issued and signed by the API server.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class TokenLendingOnRealServerTest {
  static final String TENANT = "team-x";
  static final String REGISTRY = "111111111111.dkr.ecr.eu-west-1.amazonaws.com";
  static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;
  StubServer sts;
  StubServer ecr;
  final List<String> tokensSeenBySts = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    sts = closer.add(StubServer.http().handler(this::stsAnswer));
    ecr = closer.add(StubServer.http().handler(this::ecrAnswer));
    h = closer.add(new OperatorHarness());
    Map<String, String> env = Map.of("AWS_ENDPOINT_URL_STS", sts.url(), "AWS_ENDPOINT_URL_ECR", ecr.url());
    // The provider requests tokens with the operator's own client: the chart's RBAC applies.
    h.start(OperatorHarness.config(java.util.Set.of()), o -> o.withProviders(new ProviderRegistry(List.of(
        new EcrCredentialProvider(new DefaultAwsClientFactory(env), new KubernetesServiceAccountTokens(h.operatorClient()))))));
    Fixtures.namespace(h.client, TENANT, Map.of());
    // The prize: a deployer bound to cluster-admin.
    h.client.serviceAccounts().inNamespace(TENANT).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("deployer").endMetadata().build()).create();
    h.client.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
        .withName("team-x-deployer").endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "cluster-admin")
        .addNewSubject().withKind("ServiceAccount").withName("deployer").withNamespace(TENANT).endSubject().build())
        .createOr(op -> op.update());
    closer.add(() -> h.client.rbac().clusterRoleBindings().withName("team-x-deployer").delete());
    SecretScan.register(EcrCredentialProviderTest.STS_SECRET);
    SecretScan.register(EcrCredentialProviderTest.STS_SESSION);
  }

  Response stsAnswer(Request r) {
    Map<String, String> form = r.form();
    assertThat(form).containsEntry("Action", "AssumeRoleWithWebIdentity");
    tokensSeenBySts.add(form.get("WebIdentityToken"));
    return Response.of(200, "text/xml", EcrCredentialProviderTest.stsCredentials("AssumeRoleWithWebIdentity"));
  }

  Response ecrAnswer(Request r) {
    SigV4.verify(r, Map.of(EcrCredentialProviderTest.STS_KEY_ID, EcrCredentialProviderTest.STS_SECRET));
    String token = Base64.getEncoder().encodeToString("AWS:ecr-lent-token".getBytes(StandardCharsets.UTF_8));
    return Response.json(200, "{\"authorizationData\":[{\"authorizationToken\":\"" + token + "\",\"expiresAt\":"
        + Instant.now().plusSeconds(43200).getEpochSecond() + ",\"proxyEndpoint\":\"https://" + REGISTRY + "\"}]}");
  }

  RegistryCredential credential(String audience) {
    RegistryCredential rc = new RegistryCredential();
    rc.getMetadata().setName("pull");
    rc.getMetadata().setNamespace(TENANT);
    rc.setSpec(new io.pullsecrets.operator.api.RegistryCredentialSpec());
    var auth = EcrCredentialProviderTest.webIdentity("deployer");
    auth.getWebIdentity().setAudience(audience);
    rc.getSpec().setProvider(EcrCredentialProviderTest.spec(auth, REGISTRY));
    return rc;
  }

  /** TokenRequests the operator made, read from the API server's audit log. */
  List<JsonNode> operatorTokenRequests() {
    return ((RealApiServer) h.api).auditEvents().stream()
        .filter(e -> "token".equals(e.path("objectRef").path("subresource").asText())
            && RealApiServer.byOperator(e))
        .toList();
  }

  @Test
  void aServiceAccountThatDidNotOptInLendsNoToken() {
    h.apply(credential(null));

    RegistryCredential rc = h.awaitCondition(TENANT, "pull", "Ready", "False", "NotPermitted");

    assertThat(condition(rc, "Ready").orElseThrow().getMessage())
        .contains("ServiceAccount 'deployer'").contains(Labels.ALLOWED_CREDENTIALS_ANNOTATION);
    assertThat(operatorTokenRequests()).isEmpty();
    assertThat(tokensSeenBySts).isEmpty();
    assertThat(h.secret(TENANT, "pull")).isEmpty();
  }

  @Test
  void anAudienceTheApiServerAcceptsIsRefusedEvenAfterOptIn() {
    optIn("pull");
    h.apply(credential("https://kubernetes.default.svc.cluster.local"));

    h.awaitCondition(TENANT, "pull", "Ready", "False", "InvalidSpec");

    assertThat(operatorTokenRequests()).isEmpty();
    assertThat(tokensSeenBySts).isEmpty();
  }

  @Test
  void afterOptInTheTokenIsForStsOnlyAndShortLived() throws Exception {
    optIn("other, pull");
    h.apply(credential(null));

    h.awaitReady(TENANT, "pull");

    assertThat(operatorTokenRequests()).isNotEmpty().allSatisfy(e ->
        assertThat(e.path("requestURI").asText()).isEqualTo("/api/v1/namespaces/" + TENANT + "/serviceaccounts/deployer/token"));
    assertThat(tokensSeenBySts).isNotEmpty();
    JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(tokensSeenBySts.get(0).split("\\.")[1]));
    assertThat(claims.path("aud")).singleElement().extracting(JsonNode::asText).isEqualTo("sts.amazonaws.com");
    assertThat(claims.path("sub").asText()).isEqualTo("system:serviceaccount:" + TENANT + ":deployer");
    assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(600);
    assertThat(h.secret(TENANT, "pull")).isPresent();
    // What STS received does not authenticate to the API server: its audience is STS's.
    var cp = ((RealApiServer) h.api).controlPlane;
    Process curl = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
        "--cacert", cp.dir.resolve("pki/ca.crt").toString(), "-H", "Authorization: Bearer " + tokensSeenBySts.get(0),
        cp.server + "/api/v1/namespaces").start();
    assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("401");
  }

  private void optIn(String credentials) {
    h.client.serviceAccounts().inNamespace(TENANT).withName("deployer").edit(sa -> {
      sa.getMetadata().setAnnotations(Map.of(Labels.ALLOWED_CREDENTIALS_ANNOTATION, credentials));
      return sa;
    });
  }
}
