package io.pullsecrets.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.MockResponse;
import io.pullsecrets.operator.Main;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.api.LabelSelectorSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.MockApiServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * RBAC cannot fall behind the code: the operator (as {@link Main} assembles it, leader election
 * on) runs a scenario against the CRUD mock API server, which records every request it makes;
 * each one, as Kubernetes' authorizer sees it (verb, API group, resource, subresource, namespace,
 * name), must be allowed by the RBAC of deploy/pullsecret-operator.yaml (the chart with default
 * values; ChartTest keeps the two identical).
 */
@org.junit.jupiter.api.Order(Integer.MAX_VALUE) // last: it also checks what every other operator test sent
class RbacCoverageTest {
  static final String OPS = "pullsecret-system";
  static final String AGENT = "pullsecret-operator-under-test";
  static final Duration WAIT = Duration.ofSeconds(20);

  /** What RBAC authorizes: one request's attributes. */
  record Attributes(String verb, String group, String resource, String subresource, String namespace, String name) {
    String resourcePath() {
      return subresource == null ? resource : resource + "/" + subresource;
    }

    @Override
    public String toString() {
      return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resourcePath()
          + (namespace == null ? "" : " in " + namespace) + (name == null ? "" : " named " + name);
    }
  }

  record Call(String method, String path) {}

  @Test
  void everyRequestTheOperatorMakesIsAllowedByTheChartsRbac() throws Exception {
    List<Call> calls = new CopyOnWriteArrayList<>();
    try (MockApiServer api = new MockApiServer()) {
      api.setFault(r -> {
        if (String.valueOf(r.getHeader("User-Agent")).startsWith(AGENT)) {
          calls.add(new Call(r.getMethod(), r.getPath()));
        }
        if (r.getMethod().equals("POST") && r.getPath().startsWith("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
          return new MockResponse().setResponseCode(201).setBody(SELF_RULES);
        }
        return null;
      });
      KubernetesClient client = api.client();
      Fixtures.namespace(client, OPS, Map.of());
      Fixtures.namespace(client, "team-a", Map.of("pull", "yes"));
      Fixtures.namespace(client, "team-b", Map.of("pull", "yes"));
      Fixtures.serviceAccount(client, "team-a", "builder", Map.of());
      Fixtures.loginSecret(client, OPS, "robot", "robot", "first-password");
      // Not ours: a Conflict (status and a Warning event).
      client.secrets().inNamespace("team-b").resource(new SecretBuilder().withNewMetadata().withName("robot")
          .withNamespace("team-b").endMetadata().addToData("x", Fixtures.b64("y")).build()).create();

      try (KubernetesClient operatorClient = new KubernetesClientBuilder()
          .withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(AGENT).build()).build();
          Main.Running running = Main.create(operatorClient,
              new OperatorConfig(OPS, Set.of(OPS), Set.of(), 0, true, "info", "text"),
              PullSecretOperator.Options.defaults(operatorClient).withJosdk(o -> o.withUseSSAToPatchPrimaryResource(false)),
              new Main.Launch("rbac-test", new Main.LeaseTimings(Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofMillis(200)), () -> {}))
              .start()) {
        RegistryCredential rc = Fixtures.staticCredential(OPS, "robot", "registry.example.com", "robot");
        TargetsSpec targets = new TargetsSpec();
        LabelSelectorSpec selector = new LabelSelectorSpec();
        selector.setMatchLabels(Map.of("pull", "yes"));
        targets.setNamespaceSelector(selector);
        rc.getSpec().setTargets(targets);
        client.resource(rc).create();
        await().atMost(WAIT).until(() -> secretHas(client, "team-a", "first-password"));

        // Source change, drift repair, a new namespace, then delete (cleanup).
        Fixtures.loginSecret(client, OPS, "robot", "robot", "second-password");
        await().atMost(WAIT).until(() -> secretHas(client, "team-a", "second-password"));
        client.secrets().inNamespace("team-a").withName("robot").delete();
        await().atMost(WAIT).until(() -> secretHas(client, "team-a", "second-password"));
        Fixtures.namespace(client, "team-c", Map.of("pull", "yes"));
        await().atMost(WAIT).until(() -> secretHas(client, "team-c", "second-password"));
        client.resource(rc).delete();
        await().atMost(WAIT).until(() -> client.resources(RegistryCredential.class).inNamespace(OPS).withName("robot").get() == null);
      }
    }

    List<HasMetadata> rbac = Helm.parse(Files.readString(Path.of("deploy/pullsecret-operator.yaml")));
    List<PolicyRule> clusterRules = operatorClusterRules(rbac);
    List<Role> roles = Helm.all(rbac, Role.class);

    assertThat(calls).as("recorded requests").isNotEmpty();
    Set<String> denied = new TreeSet<>();
    Set<String> seen = new TreeSet<>();
    for (Call call : calls) {
      Attributes a = attributes(call);
      seen.add(a.verb() + " " + a.group() + "/" + a.resourcePath());
      if (!allowed(a, clusterRules, roles)) {
        denied.add(a.toString());
      }
    }
    assertThat(denied).as("requests the chart's RBAC would deny").isEmpty();
    // The scenario really exercised the operator's writes.
    assertThat(seen).contains("create /secrets", "update /secrets", "delete /secrets", "patch /serviceaccounts",
        "create /events", "patch pullsecrets.io/registrycredentials/status", "watch /namespaces",
        "create coordination.k8s.io/leases");
  }

  /**
   * Every request that the operator sent during the whole test run (scenario, fault, cloud and
   * registry tests, recorded by every {@link MockApiServer}) is allowed by the rendered RBAC, so the
   * chart cannot fall behind the code. This class runs last (see junit-platform.properties).
   */
  @Test
  void everyRequestOfTheWholeSuiteIsAllowedByTheChartsRbac() throws Exception {
    java.util.Set<String> recorded = MockApiServer.allOperatorCalls();
    assertThat(recorded).as("requests recorded across the suite").isNotEmpty();
    List<HasMetadata> rbac = Helm.parse(Files.readString(Path.of("deploy/pullsecret-operator.yaml")));
    List<PolicyRule> clusterRules = operatorClusterRules(rbac);
    List<Role> roles = Helm.all(rbac, Role.class);
    Set<String> denied = new TreeSet<>();
    for (String call : recorded) {
      String[] parts = call.split(" ", 2);
      Attributes a = attributes(new Call(parts[0], parts[1]));
      if (!allowed(a, clusterRules, roles)) {
        denied.add(a.toString());
      }
    }
    assertThat(denied).as("requests the chart's RBAC would deny").isEmpty();
  }

  /** The rules of the ClusterRoles for the operator (not those aggregated into admin/edit/view for people). */
  static List<PolicyRule> operatorClusterRules(List<HasMetadata> rbac) {
    return Helm.all(rbac, ClusterRole.class).stream()
        .filter(r -> r.getMetadata().getLabels().keySet().stream().noneMatch(k -> k.startsWith("rbac.authorization.k8s.io/aggregate-to-")))
        .flatMap(r -> r.getRules().stream()).toList();
  }

  static boolean allowed(Attributes a, List<PolicyRule> clusterRules, List<Role> roles) {
    if (a.group().equals("authorization.k8s.io") && a.resource().startsWith("selfsubject")) {
      return true; // every authenticated user (system:basic-user)
    }
    if (clusterRules.stream().anyMatch(r -> matches(r, a))) {
      return true;
    }
    return a.namespace() != null && roles.stream()
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

  /** The authorizer's view of one request path, as kube-apiserver's RequestInfoFactory builds it. */
  static Attributes attributes(Call call) {
    URI uri = URI.create(call.path());
    List<String> parts = new ArrayList<>(List.of(uri.getPath().replaceAll("^/|/$", "").split("/")));
    String group;
    if (parts.get(0).equals("api")) {
      group = "";
      parts = parts.subList(2, parts.size());
    } else {
      group = parts.get(1);
      parts = parts.subList(3, parts.size());
    }
    String namespace = null;
    if (parts.size() >= 3 && parts.get(0).equals("namespaces")) {
      namespace = parts.get(1);
      parts = parts.subList(2, parts.size());
    }
    String resource = parts.get(0);
    String name = parts.size() > 1 ? parts.get(1) : null;
    String subresource = parts.size() > 2 ? parts.get(2) : null;
    if (resource.equals("namespaces") && name != null) {
      namespace = name;
    }
    boolean watch = uri.getQuery() != null && uri.getQuery().contains("watch=true");
    String verb = switch (call.method()) {
      case "GET" -> watch ? "watch" : name == null ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name == null ? "deletecollection" : "delete";
      default -> call.method().toLowerCase();
    };
    return new Attributes(verb, group, resource, subresource, namespace, name);
  }

  private static boolean secretHas(KubernetesClient client, String ns, String password) {
    var s = client.secrets().inNamespace(ns).withName("robot").get();
    return s != null && s.getData() != null && s.getData().containsKey(".dockerconfigjson")
        && Fixtures.dockerConfigJson(s).contains(Fixtures.b64("robot:" + password));
  }

  static final String SELF_RULES = """
      {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","spec":{"namespace":"pullsecret-system"},
       "status":{"incomplete":false,"nonResourceRules":[],"resourceRules":[
         {"apiGroups":["coordination.k8s.io"],"resources":["leases"],"verbs":["create"]},
         {"apiGroups":["coordination.k8s.io"],"resources":["leases"],"resourceNames":["pullsecret-operator-leader"],"verbs":["get","update","patch"]}]}}
      """;
}
