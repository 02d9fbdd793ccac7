package io.pullsecrets.operator.testing;

import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.Main;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.webhook.PodInjection;
import io.pullsecrets.operator.webhook.PodWebhook;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/**
 * The operator as {@link Main} assembles it (HTTP endpoints, webhook, leader election), on the
 * real API server as the chart's ServiceAccount with the chart's RBAC. The operator's namespace
 * exists, with the chart's Roles there (its Lease, the Secrets of its certificates):
 *
 * <pre>
 * &#64;RegisterExtension final Closer closer = new Closer();
 * final MainOnRealServer server = closer.add(new MainOnRealServer());
 * ...
 * running = closer.add(server.create(MainOnRealServer.config()));
 * </pre>
 *
 * The test owns what {@link #create} returns; on close the webhook configuration of {@link
 * #registerWebhook} is deleted and the API server view closes (its namespaces are deleted).
 */
public final class MainOnRealServer implements AutoCloseable {
  public static final String OPERATOR_NS = RealApiServer.OPERATOR_NS;
  /** The chart's MutatingWebhookConfiguration (the name the chart's RBAC allows the operator to edit). */
  public static final String WEBHOOK_CONFIGURATION = "pullsecret-operator";

  public final RealApiServer api = new RealApiServer();
  /** The test's client (cluster-admin). */
  public final KubernetesClient client = api.client();
  /** The operator's client: the chart's ServiceAccount. */
  public final KubernetesClient operatorClient = api.newOperatorClient();

  public MainOnRealServer() {
    client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(WEBHOOK_CONFIGURATION).delete();
    Fixtures.namespace(client, OPERATOR_NS, Map.of());
    api.grantLeaderElection(OPERATOR_NS);
  }

  /** Operator namespace {@link #OPERATOR_NS}, also the only trusted one; every namespace watched; no leader election. */
  public static OperatorConfig config() {
    return new OperatorConfig(OPERATOR_NS, Set.of(OPERATOR_NS), Set.of(), 0, false, "info", "text");
  }

  /** The operator with {@code config} and the default options, as replica "test"; not started. */
  public Main.Running create(OperatorConfig config) {
    return create(config, PullSecretOperator.Options.defaults(operatorClient));
  }

  /** The operator with {@code config} and {@code options}, as replica "test"; not started. */
  public Main.Running create(OperatorConfig config, PullSecretOperator.Options options) {
    return Main.create(operatorClient, config, options, new Main.Launch("test", Main.LeaseTimings.DEFAULT, () -> {}));
  }

  /**
   * Registers the pod webhook as the chart does (namespaces and pods opted out by {@link
   * PodInjection#INJECT_LABEL}=false skipped, failurePolicy Ignore, 3 s), but reached by URL on
   * 127.0.0.1:{@code port}, the operator running in this JVM. No caBundle: the operator sets it.
   */
  public void registerWebhook(int port) {
    var notOptedOut = new LabelSelectorRequirementBuilder().withKey(PodInjection.INJECT_LABEL).withOperator("NotIn")
        .withValues("false").build();
    client.resource(new MutatingWebhookConfigurationBuilder()
        .withNewMetadata().withName(WEBHOOK_CONFIGURATION).endMetadata()
        .addNewWebhook().withName("pods.pullsecrets.io").withAdmissionReviewVersions("v1").withSideEffects("None")
        .withFailurePolicy("Ignore").withTimeoutSeconds(3).withReinvocationPolicy("IfNeeded")
        .withNewClientConfig().withUrl("https://127.0.0.1:" + port + PodWebhook.PATH).endClientConfig()
        .addNewRule().withOperations("CREATE").withApiGroups("").withApiVersions("v1").withResources("pods").withScope("Namespaced").endRule()
        .withNewNamespaceSelector()
        .addToMatchExpressions(new LabelSelectorRequirementBuilder().withKey("kubernetes.io/metadata.name").withOperator("NotIn")
            .withValues("kube-system", OPERATOR_NS).build(), notOptedOut)
        .endNamespaceSelector()
        .withNewObjectSelector().addToMatchExpressions(notOptedOut).endObjectSelector()
        .endWebhook().build()).create();
  }

  /** The PEM bundle the operator set as the webhook's caBundle; "" while there is none. */
  public String caBundle() {
    MutatingWebhookConfiguration m = client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName(WEBHOOK_CONFIGURATION).get();
    String b = m == null ? null : m.getWebhooks().get(0).getClientConfig().getCaBundle();
    return b == null ? "" : new String(Base64.getDecoder().decode(b), StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    try {
      client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(WEBHOOK_CONFIGURATION).delete();
    } finally {
      try {
        operatorClient.close();
      } finally {
        api.close();
      }
    }
  }
}
