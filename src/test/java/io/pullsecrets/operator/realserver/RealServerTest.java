package io.pullsecrets.operator.realserver;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.testing.Cli;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.RealApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What only a real API server shows: the CRD's schema and CEL rules evaluated, the examples
 * accepted, kubectl's rendering of the printer columns, {@code kubectl wait}, the status
 * subresource, and the controller manager creating {@code default} in a new namespace.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class RealServerTest {
  @RegisterExtension final Closer closer = new Closer();
  final OperatorHarness h = closer.add(new OperatorHarness());
  final Path kubeconfig = ((RealApiServer) h.api).controlPlane.kubeconfig;


  static String credential(String name, String spec) {
    return "apiVersion: pullsecrets.io/v1alpha1\nkind: RegistryCredential\nmetadata: {name: " + name
        + ", namespace: platform}\nspec:\n" + spec;
  }

  @Test
  void eachCelRuleRejectsWhatItShouldWithItsMessage() {
    Map<String, String> bad = Map.of(
        "no provider", "  provider: {}\n",
        "two providers", "  provider:\n    static: {registry: r.example.com, secretRef: {name: a}}\n"
            + "    dockerConfig: {secretRef: {name: b}}\n",
        "two service-account choices", "  provider: {static: {registry: r.example.com, secretRef: {name: a}}}\n"
            + "  serviceAccounts: {names: [default], all: true}\n",
        "two ECR auth modes", "  provider: {ecr: {registries: [111111111111.dkr.ecr.eu-west-1.amazonaws.com],"
            + " auth: {ambient: {}, accessKeys: {secretRef: {name: k}}}}}\n",
        "two GCP auth modes", "  provider: {gcp: {registries: [gcr.io], auth: {ambient: {}, serviceAccountKey: {secretRef: {name: k}}}}}\n",
        "two Azure auth modes", "  provider: {azure: {registry: x.azurecr.io, tenantId: t, auth: {managedIdentity: {},"
            + " clientSecret: {clientId: c, secretRef: {name: s}}}}}\n",
        "unknown selector operator", "  provider: {static: {registry: r.example.com, secretRef: {name: a}}}\n"
            + "  targets: {namespaceSelector: {matchExpressions: [{key: a, operator: Like, values: [b]}]}}\n",
        "refresh every second", "  provider: {static: {registry: r.example.com, secretRef: {name: a}}}\n"
            + "  refresh: {interval: 1s}\n");
    Map<String, String> message = Map.of(
        "no provider", "exactly one provider must be set",
        "two providers", "exactly one provider must be set",
        "two service-account choices", "at most one of names, all and selector may be set",
        "two ECR auth modes", "exactly one of accessKeys, webIdentity and ambient",
        "two GCP auth modes", "exactly one of serviceAccountKey, externalAccount",
        "two Azure auth modes", "exactly one of clientSecret, clientCertificate",
        "unknown selector operator", "operator must be one of In, NotIn, Exists, DoesNotExist",
        "refresh every second", "refresh.interval must be at least 10s");
    bad.forEach((what, spec) -> {
      Cli.Result r = Cli.kubectlStdin(kubeconfig, credential("bad", spec), "apply", "-f", "-");
      assertThat(r.exitCode()).as(what).isNotZero();
      assertThat(r.stderr()).as(what).contains("The RegistryCredential \"bad\" is invalid").contains(message.get(what));
    });
    assertThat(h.get(PLATFORM_NS, "bad")).isNull();

    // The same shape with one choice is accepted.
    Cli.kubectlStdin(kubeconfig, credential("good", "  provider: {static: {registry: r.example.com, secretRef: {name: a}}}\n"
        + "  serviceAccounts: {all: true}\n"), "apply", "-f", "-").ok();
    assertThat(h.get(PLATFORM_NS, "good")).isNotNull();
  }

  @Test
  void everyExampleAppliesWithTheSecretItsCommentNames() throws Exception {
    Pattern createSecret = Pattern.compile("kubectl -n (\\S+) create secret \\S+ (\\S+)");
    List<Path> examples;
    try (Stream<Path> files = Files.list(Path.of("examples"))) {
      examples = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(examples).hasSizeGreaterThanOrEqualTo(13);
    List<String> applied = new ArrayList<>();
    for (Path example : examples) {
      String yaml = Files.readString(example);
      Matcher m = Pattern.compile("(?m)^\\s*namespace:\\s*(\\S+)").matcher(yaml);
      while (m.find()) {
        if (!((RealApiServer) h.api).active(m.group(1))) {
          Fixtures.namespace(h.client, m.group(1), Map.of());
        }
      }
      Matcher s = createSecret.matcher(yaml);
      while (s.find()) {
        h.client.secrets().inNamespace(s.group(1)).resource(new SecretBuilder().withNewMetadata().withName(s.group(2))
            .endMetadata().addToStringData("placeholder", "x").build()).createOr(op -> op.update());
      }
      Cli.Result r = Cli.kubectl(kubeconfig, "apply", "-f", example.toString()).ok();
      applied.add(r.stdout().trim());
    }
    assertThat(applied).allMatch(line -> line.contains("registrycredential.pullsecrets.io/") && line.endsWith("created"));
  }

  @Test
  void kubectlGetShowsSensibleColumnsAndWaitWorksBothWays() {
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "column-password-1");
    RegistryCredential rc = Fixtures.staticCredential(PLATFORM_NS, "harbor", "harbor.example.com", "robot");
    TargetsSpec t = new TargetsSpec();
    t.setNamespaces(List.of("team-a"));
    rc.getSpec().setTargets(t);
    h.apply(rc);
    h.apply(Fixtures.staticCredential(PLATFORM_NS, "broken", "harbor.example.com", "missing"));
    h.start();

    Cli.kubectl(kubeconfig, "wait", "-n", PLATFORM_NS, "regcred/harbor", "--for=condition=Ready", "--timeout=20s").ok();
    Cli.Result timedOut = Cli.kubectl(kubeconfig, "wait", "-n", PLATFORM_NS, "regcred/broken", "--for=condition=Ready", "--timeout=2s");
    assertThat(timedOut.exitCode()).isNotZero();
    assertThat(timedOut.stderr()).contains("timed out waiting for the condition");

    String table = Cli.kubectl(kubeconfig, "get", "regcred", "-n", PLATFORM_NS).ok().stdout();
    assertThat(table.lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("NAME", "READY", "REASON", "SYNCED", "PROVIDER", "EXPIRES", "AGE");
    Map<String, String> harbor = Cli.row(table, "harbor");
    assertThat(harbor).containsEntry("READY", "True").containsEntry("REASON", "Synced").containsEntry("SYNCED", "1/1")
        .containsEntry("PROVIDER", "static").containsEntry("EXPIRES", "");   // a static credential does not expire
    assertThat(harbor.get("AGE")).matches("\\d+s");
    assertThat(Cli.row(table, "broken")).containsEntry("READY", "False").containsEntry("REASON", "SourceNotFound");
    assertThat(table).doesNotContain("<invalid>");
    // -o wide adds when the next refresh is due, whether pulls fail, and why it is not ready.
    String wide = Cli.kubectl(kubeconfig, "get", "regcred", "-n", PLATFORM_NS, "-o", "wide").ok().stdout();
    assertThat(wide.lines().findFirst().orElseThrow()).matches(".*AGE +NEXT REFRESH +PULLS +MESSAGE");
    assertThat(Cli.row(wide, "harbor").get("PULLS")).isEqualTo("NoFailures");
    assertThat(Cli.row(wide, "broken").get("MESSAGE")).isEqualTo("Secret 'missing' not found");
    assertThat(Cli.row(wide, "harbor").get("MESSAGE")).isEqualTo("1/1 namespaces; credential does not expire");
    // Listed under its category too.
    assertThat(Cli.kubectl(kubeconfig, "get", "pullsecrets", "-n", PLATFORM_NS).ok().stdout()).contains("harbor", "broken");

    assertThat(Cli.kubectl(kubeconfig, "explain", "regcred").ok().stdout().replaceAll("\\s+", " "))
        .contains(io.pullsecrets.operator.api.RegistryCredential.DESCRIPTION);
    String explain = Cli.kubectl(kubeconfig, "explain", "regcred.spec.provider").ok().stdout();
    assertThat(explain).contains("DESCRIPTION:").contains("static").contains("ecr").contains("gcp").contains("azure");
    assertThat(explain.lines().filter(l -> l.startsWith("    ") && !l.isBlank()).count())
        .as("every field has a description").isGreaterThan(5);
  }

  @Test
  void statusIsASubresourceBothWays() {
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "status-password-1");
    h.apply(Fixtures.staticCredential(PLATFORM_NS, "example", "harbor.example.com", "robot"));
    h.start();
    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "example");
    long generation = ready.getMetadata().getGeneration();

    // A user's update of the main resource cannot change status.
    RegistryCredential edited = h.client.resources(RegistryCredential.class).inNamespace(PLATFORM_NS).withName("example").edit(r -> {
      r.getStatus().setProvider("forged");
      r.getMetadata().getLabels().put("edited", "yes");
      return r;
    });
    assertThat(edited.getStatus().getProvider()).isEqualTo("static");
    assertThat(edited.getMetadata().getGeneration()).isEqualTo(generation);

    // The operator's status writes never change spec or metadata: a spec change and a label stay.
    h.client.resources(RegistryCredential.class).inNamespace(PLATFORM_NS).withName("example").edit(r -> {
      r.getSpec().setSecretName("renamed");
      return r;
    });
    RegistryCredential after = h.awaitResource(PLATFORM_NS, "example",
        r -> r.getStatus().getObservedGeneration() == generation + 1 && h.secret(PLATFORM_NS, "renamed").isPresent());
    assertThat(after.getSpec().getSecretName()).isEqualTo("renamed");
    assertThat(after.getMetadata().getLabels()).containsEntry("edited", "yes");
    List<String> statusWriters = ((RealApiServer) h.api).auditEvents().stream()
        .filter(e -> e.path("objectRef").path("resource").asText().equals("registrycredentials")
            && e.path("objectRef").path("subresource").asText().equals("status"))
        .map(e -> e.path("user").path("username").asText()).distinct().toList();
    assertThat(statusWriters).containsExactly(RealApiServer.OPERATOR_USER);
  }

  @Test
  void aNewLabelledNamespaceGetsItsEntryOnTheDefaultAccountTheControllerManagerCreates() {
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "flow-password-1");
    RegistryCredential rc = Fixtures.staticCredential(PLATFORM_NS, "example", "harbor.example.com", "robot");
    TargetsSpec t = new TargetsSpec();
    t.setNamespaceSelector(new io.pullsecrets.operator.api.LabelSelectorSpec(Map.of("pull", "harbor"), null));
    rc.getSpec().setTargets(t);
    h.apply(rc);
    h.start();
    h.awaitReady(PLATFORM_NS, "example");

    Instant created = Instant.now();
    // Created by hand, not by Fixtures: nothing here makes the default ServiceAccount.
    h.client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
        .withName("fresh").addToLabels("pull", "harbor").endMetadata().build()).create();
    h.awaitUntil(() -> h.client.serviceAccounts().inNamespace("fresh").withName("default").get() != null
        && h.pullSecretNames("fresh", "default").contains("example"));
    Duration took = Duration.between(created, Instant.now());
    System.out.println("[real-server] namespace created -> default ServiceAccount holds the entry: " + took.toMillis() + " ms");
    assertThat(h.secret("fresh", "example")).isPresent();
    assertThat(((RealApiServer) h.api).auditEvents())
        .filteredOn(e -> e.path("verb").asText().equals("create")
            && e.path("requestURI").asText().equals("/api/v1/namespaces/fresh/serviceaccounts"))
        .extracting(e -> e.path("user").path("username").asText())
        .containsExactly("system:serviceaccount:kube-system:service-account-controller");
  }
}
