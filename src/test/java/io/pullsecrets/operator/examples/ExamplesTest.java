package io.pullsecrets.operator.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pullsecrets.operator.api.ClusterRegistryCredential;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file in examples/ is a RegistryCredential (or a ClusterRegistryCredential) that the model
 * reads without unknown fields and that the committed CRD of its kind accepts: every field path exists in the schema with the right type,
 * required fields are set, and the "exactly one of" CEL rules hold.
 */
public class ExamplesTest {
  static final Path EXAMPLES = Path.of("examples");
  static final Path CRD = Path.of("crds/registrycredentials.pullsecrets.io-v1.yml");
  static final Path CLUSTER_CRD = Path.of("crds/clusterregistrycredentials.pullsecrets.io-v1.yml");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final Pattern ONE_OF = Pattern.compile("^\\[(.*)]\\.filter\\(x, x\\)\\.size\\(\\) (==|<=) (\\d+)$");
  static final Pattern HAS = Pattern.compile("^has\\(self\\.(\\w+)\\)(?: && self\\.(\\w+))?$");

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  static JsonNode specSchema() throws IOException {
    return specSchema(CRD);
  }

  static JsonNode specSchema(Path crdFile) throws IOException {
    JsonNode crd = YAML.readTree(crdFile.toFile());
    return crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
  }

  /** The schema problems of a value, by JSON path; also counts the CEL rules evaluated. */
  public static final class Checker {
    public final List<String> problems = new ArrayList<>();
    final List<String> rulesEvaluated = new ArrayList<>();

    void check(JsonNode value, JsonNode schema, String path) {
      String type = schema.path("type").asText("");
      switch (type) {
        case "object" -> {
          if (!value.isObject()) {
            problems.add(path + ": expected an object");
            return;
          }
          JsonNode props = schema.path("properties");
          boolean open = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
              || schema.has("additionalProperties");
          for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (props.has(f.getKey())) {
              check(f.getValue(), props.get(f.getKey()), path + "." + f.getKey());
            } else if (schema.has("additionalProperties")) {
              check(f.getValue(), schema.get("additionalProperties"), path + "." + f.getKey());
            } else if (!open) {
              problems.add(path + "." + f.getKey() + ": not in the CRD schema");
            }
          }
          for (JsonNode req : schema.path("required")) {
            if (!value.has(req.asText())) {
              problems.add(path + "." + req.asText() + ": required");
            }
          }
          for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            evaluate(rule.path("rule").asText(), rule.path("message").asText(), value, path);
          }
        }
        case "array" -> {
          if (!value.isArray()) {
            problems.add(path + ": expected an array");
            return;
          }
          if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
            problems.add(path + ": fewer than " + schema.get("minItems").asInt() + " items");
          }
          for (int i = 0; i < value.size(); i++) {
            check(value.get(i), schema.path("items"), path + "[" + i + "]");
          }
        }
        case "string" -> {
          if (!value.isTextual()) {
            problems.add(path + ": expected a string");
          } else if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
            problems.add(path + ": does not match " + schema.get("pattern").asText());
          }
        }
        case "boolean" -> {
          if (!value.isBoolean()) problems.add(path + ": expected a boolean");
        }
        case "integer" -> {
          if (!value.isIntegralNumber()) problems.add(path + ": expected an integer");
        }
        default -> {
          // untyped (int-or-string, preserve-unknown): accepted
        }
      }
    }

    /** The "[has(self.a), ...].filter(x, x).size() == n" rules of this CRD; others are not interpreted. */
    void evaluate(String rule, String message, JsonNode value, String path) {
      Matcher m = ONE_OF.matcher(rule.trim());
      if (!m.matches()) {
        return;
      }
      int count = 0;
      for (String term : m.group(1).split(",\\s*")) {
        Matcher h = HAS.matcher(term.trim());
        if (!h.matches()) {
          return;
        }
        boolean present = value.has(h.group(1));
        if (present && h.group(2) != null) {
          present = value.path(h.group(2)).asBoolean(false);
        }
        if (present) count++;
      }
      int limit = Integer.parseInt(m.group(3));
      boolean ok = m.group(2).equals("==") ? count == limit : count <= limit;
      rulesEvaluated.add(path + ": " + message);
      if (!ok) {
        problems.add(path + ": " + message);
      }
    }
  }

  public static RegistryCredential strictParse(String yaml) throws IOException {
    return strictParse(yaml, RegistryCredential.class);
  }

  static <T> T strictParse(String yaml, Class<T> kind) throws IOException {
    ObjectMapper strict = Serialization.yamlMapper().copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    return strict.readValue(yaml, kind);
  }

  static boolean clusterScoped(String yaml) throws IOException {
    return "ClusterRegistryCredential".equals(YAML.readTree(yaml).path("kind").asText());
  }

  public static Checker checkAgainstCrd(String yaml) throws IOException {
    JsonNode doc = YAML.readTree(yaml);
    Checker c = new Checker();
    c.check(doc.path("spec"), specSchema(clusterScoped(yaml) ? CLUSTER_CRD : CRD), "spec");
    return c;
  }

  @ParameterizedTest
  @MethodSource("examples")
  void exampleIsAValidRegistryCredential(Path file) throws Exception {
    String yaml = Files.readString(file);
    Class<? extends CredentialResource<?>> kind = clusterScoped(yaml) ? ClusterRegistryCredential.class : RegistryCredential.class;
    CredentialResource<?> rc = Serialization.unmarshal(yaml, kind);
    assertThat(rc.getApiVersion()).isEqualTo("pullsecrets.io/v1alpha1");
    assertThat(rc.getKind()).isEqualTo(kind.getSimpleName());
    assertThat(rc.getMetadata().getName()).isNotBlank();
    if (rc.clusterScoped()) {
      assertThat(rc.sourceNamespace()).as("a ClusterRegistryCredential names its source namespace").isNotBlank();
      assertThat(rc.getSpec().getTargets()).as("and its targets").isNotNull();
    } else {
      assertThat(rc.getMetadata().getNamespace()).isNotBlank();
    }
    assertThat(rc.getSpec().getProvider().configured()).hasSize(1);

    CredentialResource<?> strict = strictParse(yaml, kind);
    assertThat(strict.getSpec().getProvider().configured()).isEqualTo(rc.getSpec().getProvider().configured());

    Checker c = checkAgainstCrd(yaml);
    assertThat(c.problems).as(file.toString()).isEmpty();
    assertThat(c.rulesEvaluated).as("the exactly-one-provider rule was evaluated")
        .contains("spec.provider: exactly one provider must be set");
  }

  /**
   * An example that names a serviceAccountName shows (in its comment) that ServiceAccount with the
   * opt-in annotation listing the example's RegistryCredential: without it the operator refuses.
   */
  @ParameterizedTest
  @MethodSource("examples")
  void serviceAccountsNamedByExamplesOptIn(Path file) throws Exception {
    String yaml = Files.readString(file);
    JsonNode doc = YAML.readTree(yaml);
    List<String> named = new ArrayList<>();
    doc.path("spec").findValues("serviceAccountName").forEach(v -> named.add(v.asText()));
    if (named.isEmpty()) {
      return;
    }
    StringBuilder commented = new StringBuilder();
    boolean in = false;
    for (String line : yaml.split("\n")) {
      if (line.equals("#   apiVersion: v1")) {
        in = true;
      }
      if (in && !line.startsWith("#   ")) {
        break;
      }
      if (in) {
        commented.append(line.substring(4)).append('\n');
      }
    }
    assertThat(commented).as(file + " shows the ServiceAccount in its comment").isNotEmpty();
    io.fabric8.kubernetes.api.model.ServiceAccount sa =
        Serialization.unmarshal(commented.toString(), io.fabric8.kubernetes.api.model.ServiceAccount.class);
    assertThat(sa.getMetadata().getName()).isEqualTo(named.get(0));
    assertThat(sa.getMetadata().getNamespace()).isEqualTo(doc.path("metadata").path("namespace").asText());
    assertThat(List.of(sa.getMetadata().getAnnotations().get(io.pullsecrets.operator.Labels.ALLOWED_CREDENTIALS_ANNOTATION).split(",")))
        .as(file.toString()).contains(doc.path("metadata").path("name").asText());
  }

  @Test
  void everyProviderAndAuthModeHasAnExample() throws Exception {
    List<String> modes = new ArrayList<>();
    for (Path p : examples().toList()) {
      JsonNode provider = YAML.readTree(p.toFile()).path("spec").path("provider");
      String name = provider.fieldNames().next();
      JsonNode auth = provider.path(name).path("auth");
      auth.fieldNames().forEachRemaining(mode -> modes.add(name + "." + mode));
      if (!provider.path(name).has("auth")) {
        modes.add(name);
      }
    }
    assertThat(modes).contains("static", "dockerConfig",
        "ecr.accessKeys", "ecr.assumeRole", "ecr.webIdentity", "ecr.ambient",
        "gcp.serviceAccountKey", "gcp.externalAccount", "gcp.ambient",
        "azure.clientSecret", "azure.clientCertificate", "azure.workloadIdentity", "azure.managedIdentity");
  }

  /** A RegistryCredential x in namespace y with this {@code spec.provider} (YAML, its lines at the provider's level). */
  static String withProvider(String provider) {
    return """
        apiVersion: pullsecrets.io/v1alpha1
        kind: RegistryCredential
        metadata: {name: x, namespace: y}
        spec:
          provider:
        """ + provider.indent(4);
  }

  @Test
  void theCheckerRejectsWhatTheApiServerWould() throws Exception {
    String twoProviders = withProvider("""
        static: {registry: r, secretRef: {name: s}}
        gcp: {registries: [gcr.io], auth: {ambient: {}}}
        """);
    assertThat(checkAgainstCrd(twoProviders).problems).contains("spec.provider: exactly one provider must be set");

    String twoAuthModes = withProvider("""
        ecr:
          registries: [111111111111.dkr.ecr.eu-west-1.amazonaws.com]
          auth: {ambient: {}, accessKeys: {secretRef: {name: k}}}
        """);
    assertThat(checkAgainstCrd(twoAuthModes).problems)
        .contains("spec.provider.ecr.auth: exactly one of accessKeys, webIdentity and ambient must be set");

    String missingRequired = withProvider("""
        azure: {registry: r.azurecr.io, auth: {clientSecret: {clientId: c}}}
        """);
    assertThat(checkAgainstCrd(missingRequired).problems)
        .contains("spec.provider.azure.tenantId: required", "spec.provider.azure.auth.clientSecret.secretRef: required");

    String unknownField = withProvider("""
        gcp: {registries: [gcr.io], auth: {ambient: {}}, region: europe}
        """);
    assertThat(checkAgainstCrd(unknownField).problems).contains("spec.provider.gcp.region: not in the CRD schema");
    assertThatThrownBy(() -> strictParse(unknownField)).hasMessageContaining("region");
  }
}
