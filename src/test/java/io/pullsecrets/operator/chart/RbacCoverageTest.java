package io.pullsecrets.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.Main;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.api.ClusterRegistryCredential;
import io.pullsecrets.operator.api.ClusterRegistryCredentialSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.metrics.Prometheus;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.ecr.EcrStub;
import io.pullsecrets.operator.provider.staticsecret.StaticCredentialProvider;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OnRealControlPlane;
import io.pullsecrets.operator.testing.RealApiServer;
import io.pullsecrets.operator.webhook.PodWebhook;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * RBAC cannot fall behind the code, nor grant more than the code uses. The operator, as
 * {@link Main} assembles it (leader election, metrics, the pod webhook on), acts as the chart's
 * ServiceAccount against the real API server, whose audit log records every one of its requests,
 * reads and watches included (the tests' own clients are admin: another user). This class drives
 * every kind of work itself (a static credential through its life, an ECR credential whose token
 * comes from a TokenRequest, a Conflict, the webhook's certificate), so it needs no other class
 * to have run; it is ordered last only so that its suite-wide check also sees every operator the
 * other classes started on this control plane.
 *
 * <p>Each request, as Kubernetes' authorizer sees it (verb, API group, resource, subresource,
 * namespace, name), must be allowed by the ClusterRoles and Roles of deploy/ and of the chart
 * rendered with default values; and what those grant but the operator never asked for must be
 * exactly {@link #UNUSED_GRANTS}, each with its reason.
 */
@OnRealControlPlane
@org.junit.jupiter.api.Order(Integer.MAX_VALUE) // not needed: last widens the suite-wide check
class RbacCoverageTest {
  static final String OPS = RealApiServer.OPERATOR_NS;
  static final String MWC = "pullsecret-operator"; // the name the chart's RBAC allows
  static final String READER_BINDING = "rbac-coverage-test-metrics-reader";
  static final Duration WAIT = Duration.ofSeconds(30);
  static final Main.LeaseTimings FAST = new Main.LeaseTimings(Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofMillis(200));

  /**
   * Grants the operator holds but never sends a request for, each with the reason it stays, as a
   * phrase that the comment next to the rule in the chart (and so in deploy/) must contain. A grant
   * that becomes used, one that stops being used, or one whose reason the chart does not give
   * fails the test until this list and the chart say so.
   *
   * <p>Dropped as unused, with the reason in the chart's comments: {@code get namespaces} (read
   * through the informer only), {@code update} on registrycredentials (JOSDK 5.2.3 adds its
   * finalizer with server-side apply and removes it with a JSON patch), on
   * registrycredentials/status (server-side apply) and on registrycredentials/finalizers (only the
   * OwnerReferencesPermissionEnforcement plugin checks it, for an object naming a
   * RegistryCredential as a blocking owner; the operator writes none).
   */
  static final Map<String, String> UNUSED_GRANTS = Map.of(
      // fabric8's LeaseLock renews and releases the Lease with a JSON merge patch and never sends
      // update, but JOSDK 5.2.3's LeaderElectionManager first checks, with a SelfSubjectRulesReview
      // in the Lease's namespace, that it may create, get and update Leases, and refuses to start
      // without update (LeaderElectionTest fails without it).
      "update coordination.k8s.io/leases", "SelfSubjectRulesReview");

  /**
   * Grants used in some runs only, so neither used nor unused is asserted: JOSDK reads
   * RegistryCredentials from its informer cache and gets one by name only now and then (seen: the
   * deleted ECR credential while its finalizer was removed). Pull health gets a pod by name only
   * when a pull of an image one of its credentials serves failed (none does here).
   */
  static final Set<String> SOMETIMES_USED = Set.of("get pullsecrets.io/registrycredentials",
      "get pullsecrets.io/clusterregistrycredentials", "get /pods");

  /** What RBAC authorizes: one request's attributes. */
  record Attributes(String verb, String group, String resource, String subresource, String namespace, String name) {
    String resourcePath() {
      return subresource == null ? resource : resource + "/" + subresource;
    }

    /** Verb and resource, as {@link #grants} names them. */
    String grant() {
      return verb + " " + group + "/" + resourcePath();
    }

    @Override
    public String toString() {
      return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resourcePath()
          + (namespace == null ? "" : " in " + namespace) + (name == null ? "" : " named " + name);
    }
  }

  /** One source of RBAC: the operator's ClusterRole rules and its Roles. */
  record Rbac(String source, List<PolicyRule> clusterRules, List<Role> roles) {
    static Rbac of(String source, List<HasMetadata> objects) {
      return new Rbac(source, operatorClusterRules(objects), Helm.all(objects, Role.class));
    }
  }

  @RegisterExtension final Closer closer = new Closer();
  final RealApiServer api = closer.add(new RealApiServer());
  final KubernetesClient client = api.client();
  final KubernetesClient operatorClient = closer.add(api.newOperatorClient());
  EcrStub ecr;
  Main.Running running;

  @BeforeEach
  void setUp() throws Exception {
    ecr = closer.add(new EcrStub("rbac-ecr-token", Clock.systemUTC()));
    closer.add(() -> client.rbac().clusterRoleBindings().withName(READER_BINDING).delete());
    client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(MWC).delete();
    closer.add(() -> client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(MWC).delete());
  }

  @Test
  void everyRequestIsGrantedAndEveryGrantIsUsed() throws Exception {
    runEveryKindOfWork();
    List<Attributes> own = api.operatorAuditEvents().stream().map(RbacCoverageTest::attributes).toList();
    List<Attributes> suite = api.operatorAuditEventsOfTheJvm().stream().map(RbacCoverageTest::attributes).toList();
    assertThat(own).as("requests of this class's operator in the audit log").isNotEmpty();

    // Deleting pods is the opt-in of pod healing (rbac.healPods=true): the tests that heal grant it.
    Rbac healing = Rbac.of("the chart with rbac.healPods", Helm.template("--set", "rbac.healPods=true"));
    for (Rbac rbac : List.of(Rbac.of("deploy/", Helm.parse(Files.readString(Path.of("deploy/pullsecret-operator.yaml")))),
        Rbac.of("the chart", Helm.template()))) {
      Set<String> denied = new TreeSet<>();
      suite.stream().filter(a -> !allowed(a, rbac)
              && !(a.toString().startsWith("delete core/pods ") && allowed(a, healing)))
          .forEach(a -> denied.add(a.toString()));
      assertThat(denied).as("operator requests (of every test on this control plane) that the RBAC of %s denies", rbac.source())
          .isEmpty();

      Set<String> used = new TreeSet<>();
      own.forEach(a -> used.add(a.grant()));
      Set<String> granted = grants(rbac);
      assertThat(granted).as("grants of %s", rbac.source()).containsAll(SOMETIMES_USED);
      Set<String> unused = new TreeSet<>(granted);
      unused.removeAll(used);
      unused.removeAll(SOMETIMES_USED);
      System.out.println("[rbac] " + rbac.source() + ": used " + used + "; granted but unused " + unused);
      assertThat(unused).as("what the RBAC of %s grants the operator but it never used (UNUSED_GRANTS says why each stays)",
          rbac.source()).containsExactlyInAnyOrderElementsOf(UNUSED_GRANTS.keySet());
    }
    String deploy = Files.readString(Path.of("deploy/pullsecret-operator.yaml"));
    UNUSED_GRANTS.forEach((grant, reason) -> assertThat(deploy)
        .as("the chart's comment on why the unused grant %s stays", grant).contains(reason));
    // The reason update on Leases stays: JOSDK asked whether it holds it.
    assertThat(own).as("JOSDK's SelfSubjectRulesReview of the Lease rights")
        .anyMatch(a -> a.verb().equals("create") && "selfsubjectrulesreviews".equals(a.resource()));
  }

  /**
   * The operator's whole repertoire: start and lead, serve the webhook (its TLS Secret, the caBundle),
   * sync a static credential by selector (create, source change, drift repair, a new namespace,
   * a ServiceAccount entry, a Conflict with its Event), an ECR credential with a web identity
   * (a TokenRequest), authenticated metrics (a TokenReview, a SubjectAccessReview), then deletion (clean-up of Secrets and entries, the finalizer).
   */
  private void runEveryKindOfWork() {
    Fixtures.namespace(client, OPS, Map.of());
    api.grantLeaderElection(OPS);
    Fixtures.namespace(client, "team-a", Map.of("pull", "yes"));
    Fixtures.namespace(client, "team-b", Map.of("pull", "yes"));
    Fixtures.loginSecret(client, OPS, "robot", "robot", "rbac-first-password");
    // Not ours: a Conflict (status and a Warning event).
    client.secrets().inNamespace("team-b").resource(new SecretBuilder().withNewMetadata().withName("robot")
        .withNamespace("team-b").endMetadata().addToData("x", Fixtures.b64("not-a-pull-secret")).build()).create();
    Fixtures.serviceAccount(client, OPS, "puller", Map.of());
    client.serviceAccounts().inNamespace(OPS).withName("puller").edit(sa -> {
      sa.getMetadata().setAnnotations(Map.of(Labels.ALLOWED_CREDENTIALS_ANNOTATION, "ecr"));
      return sa;
    });

    startOperator();
    client.resource(CredentialBuilder.staticLogin(OPS, "robot", "registry.example.com", "robot").selecting(Map.of("pull", "yes"))
        .build()).create();
    await().atMost(WAIT).until(() -> pullSecret("team-a", "robot").contains(Fixtures.b64("robot:rbac-first-password")));

    Fixtures.loginSecret(client, OPS, "robot", "robot", "rbac-second-password");
    await().atMost(WAIT).until(() -> pullSecret("team-a", "robot").contains(Fixtures.b64("robot:rbac-second-password")));
    client.secrets().inNamespace("team-a").withName("robot").delete();
    await().atMost(WAIT).until(() -> pullSecret("team-a", "robot").contains(Fixtures.b64("robot:rbac-second-password")));
    Fixtures.namespace(client, "team-c", Map.of("pull", "yes"));
    await().atMost(WAIT).until(() -> pullSecret("team-c", "robot").contains(Fixtures.b64("robot:rbac-second-password")));
    await().atMost(WAIT).until(() -> client.serviceAccounts().inNamespace("team-a").withName("default").get()
        .getImagePullSecrets().stream().anyMatch(r -> r.getName().equals("robot")));

    client.resource(EcrStub.webIdentityCredential(OPS, "ecr", "puller", List.of("team-a"))).create();
    await().atMost(WAIT).until(() -> pullSecret("team-a", "ecr-pull").contains("rbac-ecr-token-1"));
    // Authenticated metrics (the chart's default): a TokenReview and a SubjectAccessReview.
    Fixtures.serviceAccount(client, OPS, "scraper", Map.of());
    client.rbac().clusterRoleBindings().resource(new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder()
        .withNewMetadata().withName(READER_BINDING).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("pullsecret-operator-metrics-reader").endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName("scraper").withNamespace(OPS).endSubject().build()).serverSideApply();
    String token = client.serviceAccounts().inNamespace(OPS).withName("scraper").tokenRequest(
        new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder().withNewSpec().withExpirationSeconds(600L).endSpec().build())
        .getStatus().getToken();
    try {
      var https = Prometheus.https(running.certificate().orElseThrow().material().bundlePem());
      var scrape = Prometheus.getSecure(https, running.metricsPort().orElseThrow(), token);
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.body()).contains("pullsecret_leader");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }

    // A ClusterRegistryCredential through its life: finalizer, status, Secrets, deletion.
    ClusterRegistryCredential cluster = new ClusterRegistryCredential();
    cluster.getMetadata().setName("cluster-robot");
    ClusterRegistryCredentialSpec spec = new ClusterRegistryCredentialSpec();
    spec.setProvider(CredentialBuilder.staticLogin(OPS, "x", "registry.example.com", "robot").build().getSpec().getProvider());
    spec.setSourceNamespace(OPS);
    spec.setTargets(CredentialBuilder.staticLogin(OPS, "x", "registry.example.com", "robot").targets(List.of("team-b")).build()
        .getSpec().getTargets());
    cluster.setSpec(spec);
    client.resource(cluster).create();
    await().atMost(WAIT).until(() -> pullSecret("team-b", "cluster-robot").contains(Fixtures.b64("robot:rbac-second-password")));
    client.resources(ClusterRegistryCredential.class).withName("cluster-robot").delete();
    await().atMost(WAIT).until(() -> client.resources(ClusterRegistryCredential.class).withName("cluster-robot").get() == null);

    client.resources(RegistryCredential.class).inNamespace(OPS).delete();
    await().atMost(WAIT).until(() -> client.resources(RegistryCredential.class).inNamespace(OPS).list().getItems().isEmpty());
    assertThat(pullSecret("team-a", "robot")).isEmpty();
    assertThat(pullSecret("team-b", "cluster-robot")).isEmpty();
  }

  private void startOperator() {
    OperatorConfig config = new OperatorConfig(OPS, Set.of(OPS), Set.of(), 0, true, "info", "text")
        .withWebhook(OperatorConfig.Webhook.on(0)).withMetrics(OperatorConfig.Metrics.secureOn(0));
    PullSecretOperator.Options options = PullSecretOperator.Options.defaults(operatorClient)
        .withProviders(new ProviderRegistry(List.of(new StaticCredentialProvider(), ecr.provider(operatorClient))));
    running = closer.add(Main.create(operatorClient, config, options, new Main.Launch("rbac-test", FAST, () -> {}).withWebhookCertificateRefresh(Duration.ofSeconds(1))));
    registerWebhook(running.webhook().orElseThrow().port());
    running.start();
    await().atMost(WAIT).until(() -> Prometheus.get(running.httpPort(), "/readyz").status() == 200);
    await("the operator sets the caBundle").atMost(WAIT).until(() -> {
      MutatingWebhookConfiguration m = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(MWC).get();
      return m.getWebhooks().get(0).getClientConfig().getCaBundle() != null;
    });
  }

  /** The webhook as the chart registers it, reached by URL, for no namespace (no pod here goes through it). */
  private void registerWebhook(int port) {
    client.resource(new MutatingWebhookConfigurationBuilder()
        .withNewMetadata().withName(MWC).endMetadata()
        .addNewWebhook().withName("pods.pullsecrets.io").withAdmissionReviewVersions("v1").withSideEffects("None")
        .withFailurePolicy("Ignore").withTimeoutSeconds(3)
        .withNewClientConfig().withUrl("https://127.0.0.1:" + port + PodWebhook.PATH).endClientConfig()
        .addNewRule().withOperations("CREATE").withApiGroups("").withApiVersions("v1").withResources("pods").withScope("Namespaced").endRule()
        .withNewNamespaceSelector().addToMatchExpressions(new LabelSelectorRequirementBuilder()
            .withKey("rbac-coverage-test").withOperator("Exists").build()).endNamespaceSelector()
        .endWebhook().build()).create();
  }

  private String pullSecret(String ns, String name) {
    return Fixtures.dockerConfigJson(client, ns, name);
  }

  /** The rules of the ClusterRoles for the operator (not those aggregated into admin/edit/view for people). */
  static List<PolicyRule> operatorClusterRules(List<HasMetadata> rbac) {
    return Helm.all(rbac, ClusterRole.class).stream()
        .filter(r -> r.getMetadata().getLabels().keySet().stream().noneMatch(k -> k.startsWith("rbac.authorization.k8s.io/aggregate-to-")))
        .flatMap(r -> r.getRules().stream()).toList();
  }

  /** Every "verb group/resource" the operator's ClusterRoles and Roles grant. */
  static Set<String> grants(Rbac rbac) {
    Set<String> out = new TreeSet<>();
    List<PolicyRule> all = new java.util.ArrayList<>(rbac.clusterRules());
    rbac.roles().forEach(r -> all.addAll(r.getRules()));
    for (PolicyRule r : all) {
      for (String g : r.getApiGroups()) {
        for (String res : r.getResources()) {
          r.getVerbs().forEach(v -> out.add(v + " " + g + "/" + res));
        }
      }
    }
    return out;
  }

  static boolean allowed(Attributes a, Rbac rbac) {
    if (a.resource() == null) {
      // Non-resource requests: discovery and version, open to every authenticated user (system:discovery).
      return a.verb().equals("get") && a.name().matches("/(api|apis|version|openapi)(/.*)?");
    }
    if (a.group().equals("authorization.k8s.io") && a.resource().startsWith("selfsubject")) {
      return true; // every authenticated user (system:basic-user)
    }
    if (rbac.clusterRules().stream().anyMatch(r -> matches(r, a))) {
      return true;
    }
    return a.namespace() != null && rbac.roles().stream()
        .filter(r -> a.namespace().equals(r.getMetadata().getNamespace()))
        .flatMap(r -> r.getRules().stream())
        .anyMatch(r -> matches(r, a));
  }

  static boolean matches(PolicyRule r, Attributes a) {
    boolean names = r.getResourceNames() == null || r.getResourceNames().isEmpty()
        || (a.name() != null && r.getResourceNames().contains(a.name()));
    return r.getApiGroups().contains(a.group()) && r.getResources().contains(a.resourcePath())
        && r.getVerbs().contains(a.verb()) && names;
  }

  /** The authorizer's view of one audited request (the API server's own RequestInfo, in objectRef). */
  static Attributes attributes(JsonNode event) {
    JsonNode o = event.get("objectRef");
    if (o == null) {
      return new Attributes(event.path("verb").asText(), "", null, null, null, event.path("requestURI").asText().replaceAll("\\?.*", ""));
    }
    return new Attributes(event.path("verb").asText(), o.path("apiGroup").asText(""), o.path("resource").asText(),
        text(o, "subresource"), text(o, "namespace"), text(o, "name"));
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.asText().isEmpty() ? null : v.asText();
  }
}
