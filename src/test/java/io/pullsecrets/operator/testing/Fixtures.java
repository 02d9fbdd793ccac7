package io.pullsecrets.operator.testing;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.api.DockerConfigProviderSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialSpec;
import io.pullsecrets.operator.api.SecretReference;
import io.pullsecrets.operator.api.StaticProviderSpec;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.SourceSecrets;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Objects the tests create, as a user would (data base64-encoded: the mock does not fold stringData). */
public final class Fixtures {
  private Fixtures() {}

  /** {@code spec.targets} naming {@code namespaces}. */
  public static io.pullsecrets.operator.api.TargetsSpec targetNamespaces(String... namespaces) {
    io.pullsecrets.operator.api.TargetsSpec t = new io.pullsecrets.operator.api.TargetsSpec();
    t.setNamespaces(java.util.List.of(namespaces));
    return t;
  }

  /** {@code spec.targets} selecting namespaces by {@code labels}, except {@code excluded}. */
  public static io.pullsecrets.operator.api.TargetsSpec targetSelector(Map<String, String> labels, String... excluded) {
    io.pullsecrets.operator.api.TargetsSpec t = new io.pullsecrets.operator.api.TargetsSpec();
    t.setNamespaceSelector(new io.pullsecrets.operator.api.LabelSelectorSpec(labels, null));
    if (excluded.length > 0) {
      t.setExcludeNamespaces(java.util.List.of(excluded));
    }
    return t;
  }

  public static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  public static String unb64(String s) {
    return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
  }

  /** The decoded {@code .dockerconfigjson} of a pull Secret; "" when it has none. */
  public static String dockerConfigJson(io.fabric8.kubernetes.api.model.Secret s) {
    return s == null || s.getData() == null || !s.getData().containsKey(".dockerconfigjson") ? ""
        : unb64(s.getData().get(".dockerconfigjson"));
  }

  /** The decoded {@code .dockerconfigjson} of Secret {@code ns/name}; "" when it does not exist or has none. */
  public static String dockerConfigJson(KubernetesClient client, String ns, String name) {
    return dockerConfigJson(client.secrets().inNamespace(ns).withName(name).get());
  }

  /**
   * A namespace with its {@code default} service account. On the real control plane the
   * controller manager creates that account, as in a cluster, and this waits for it; on the CRUD
   * mock nobody does, so it is created here.
   */
  public static Namespace namespace(KubernetesClient client, String name, Map<String, String> labels) {
    if (ControlPlane.serves(client) && RealApiServer.SYSTEM_NAMESPACES.contains(name)) {
      // It exists in a real cluster: label it (the next test gets it back without these labels).
      return client.namespaces().withName(name).edit(n -> {
        n.getMetadata().getLabels().putAll(labels);
        return n;
      });
    }
    Namespace ns = client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .withLabels(labels).endMetadata().build()).create();
    if (ControlPlane.serves(client)) {
      org.awaitility.Awaitility.await("the controller manager creates " + name + "/default")
          .atMost(java.time.Duration.ofSeconds(15)).pollInterval(java.time.Duration.ofMillis(20))
          .until(() -> client.serviceAccounts().inNamespace(name).withName("default").get() != null);
    } else {
      serviceAccount(client, name, "default", Map.of());
    }
    return ns;
  }

  public static ServiceAccount serviceAccount(KubernetesClient client, String ns, String name, Map<String, String> labels) {
    return client.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName(name).withNamespace(ns).withLabels(labels).endMetadata().build()).create();
  }

  public static Secret loginSecret(KubernetesClient client, String ns, String name, String username, String password) {
    SecretScan.register(password);
    SecretScan.register(Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
    Map<String, String> data = new LinkedHashMap<>();
    data.put("username", b64(username));
    data.put("password", b64(password));
    return client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(name)
        .withNamespace(ns).endMetadata().withData(data).build()).createOr(op -> op.update());
  }

  /** A Secret with these keys; every value except {@code username} is registered as secret. */
  public static Secret dataSecret(KubernetesClient client, String ns, String name, Map<String, String> plainData) {
    plainData.forEach((k, v) -> {
      if (!k.equals("username")) {
        SecretScan.register(v);
      }
    });
    Map<String, String> data = new LinkedHashMap<>();
    plainData.forEach((k, v) -> data.put(k, b64(v)));
    return client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(name)
        .withNamespace(ns).endMetadata().withData(data).build()).createOr(op -> op.update());
  }

  /**
   * platform/example: a static credential for {@code registry} (login robot / s3cret-1 in the
   * Secret platform/robot, created here), written as Secret {@code regcred} into {@code namespaces}.
   */
  public static RegistryCredential teamCredential(KubernetesClient client, String registry, java.util.List<String> namespaces) {
    loginSecret(client, OperatorHarness.PLATFORM_NS, "robot", "robot", "s3cret-1");
    return CredentialBuilder.staticLogin(OperatorHarness.PLATFORM_NS, "example", registry, "robot").secretName("regcred")
        .targets(namespaces).build();
  }

  /** {@code rc}, targeting exactly these namespaces (by name). */
  public static RegistryCredential targeting(RegistryCredential rc, java.util.List<String> namespaces) {
    io.pullsecrets.operator.api.TargetsSpec t = new io.pullsecrets.operator.api.TargetsSpec();
    t.setNamespaces(namespaces);
    rc.getSpec().setTargets(t);
    return rc;
  }

  /** The {@code .dockerconfigjson} the operator writes for user robot with this password at registry.example.com. */
  public static String robotDockerConfig(String password) {
    return "{\"auths\":{\"registry.example.com\":{\"username\":\"robot\",\"password\":\"" + password + "\",\"auth\":\""
        + b64("robot:" + password) + "\"}}}";
  }

  public static RegistryCredential staticCredential(String ns, String name, String registry, String secretName) {
    StaticProviderSpec s = new StaticProviderSpec();
    s.setRegistry(registry);
    s.setSecretRef(new SecretReference(secretName));
    ProviderSpec p = new ProviderSpec();
    p.setStatic(s);
    return credential(ns, name, p);
  }

  public static RegistryCredential dockerConfigCredential(String ns, String name, String secretName) {
    DockerConfigProviderSpec d = new DockerConfigProviderSpec();
    d.setSecretRef(new SecretReference(secretName));
    ProviderSpec p = new ProviderSpec();
    p.setDockerConfig(d);
    return credential(ns, name, p);
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper STRICT_YAML = io.fabric8.kubernetes.client.utils.Serialization
      .yamlMapper().copy().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * A part of a RegistryCredential's spec read from YAML as a user writes it, for example
   * {@code yaml(EcrAuthSpec.class, "accessKeys: {secretRef: {name: keys}}")}; a field the type does
   * not have fails.
   */
  public static <T> T yaml(Class<T> type, String yaml) {
    try {
      return STRICT_YAML.readValue(yaml, type);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not a " + type.getSimpleName() + ": " + yaml, e);
    }
  }

  /**
   * Provider {@code kind} ({@code ecr}, {@code gcp}) for these registries with this auth, for
   * example {@code provider("gcp", yaml(GcpAuthSpec.class, "ambient: {}"), "gcr.io")}.
   */
  public static ProviderSpec provider(String kind, Object auth, String... registries) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("registries", java.util.List.of(registries));
    fields.put("auth", auth);
    return STRICT_YAML.convertValue(Map.of(kind, fields), ProviderSpec.class);
  }

  /** The entry of {@code registry} in a {@code .dockerconfigjson} (a missing node when there is none). */
  public static com.fasterxml.jackson.databind.JsonNode dockerConfigEntry(byte[] dockerConfigJson, String registry) {
    try {
      return io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().readTree(dockerConfigJson).path("auths").path(registry);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not JSON: " + dockerConfigJson.length + " bytes", e);
    }
  }

  /** A RegistryCredential {@code ns/name} with this provider and nothing else set. */
  public static RegistryCredential credential(String ns, String name, ProviderSpec p) {
    RegistryCredential rc = new RegistryCredential();
    rc.getMetadata().setName(name);
    rc.getMetadata().setNamespace(ns);
    RegistryCredentialSpec spec = new RegistryCredentialSpec();
    spec.setProvider(p);
    rc.setSpec(spec);
    return rc;
  }

  /** A registry with a provider of every kind that fails if called: for decisions that only ask whether one is registered. */
  public static io.pullsecrets.operator.provider.ProviderRegistry providerOfEveryKind() {
    return new io.pullsecrets.operator.provider.ProviderRegistry(java.util.Arrays.stream(io.pullsecrets.operator.api.ProviderKind.values())
        .map(k -> TestProviders.of(k, request -> {
          throw new AssertionError("not called in this test");
        })).toList());
  }

  // Provider tests: a credential {@link #NAME} in {@link #NAMESPACE}, its source Secrets and fetch requests, without a server.

  /** Namespace of the credential of {@link #credential(ProviderSpec)} and of {@link #secret}. */
  public static final String NAMESPACE = "team-a";
  /** Name of the RegistryCredential of {@link #credential(ProviderSpec)}. */
  public static final String NAME = "pull";

  /** team-a/pull (uid-1) with this provider. */
  public static RegistryCredential credential(ProviderSpec provider) {
    RegistryCredential rc = credential(NAMESPACE, NAME, provider);
    rc.getMetadata().setUid("uid-1");
    return rc;
  }

  /** A Secret of {@link #NAMESPACE} with these (plain) values, not created anywhere. */
  public static Secret secret(String name, Map<String, String> values) {
    Map<String, String> data = new LinkedHashMap<>();
    values.forEach((k, v) -> data.put(k, b64(v)));
    return new SecretBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata()
        .withData(data).build();
  }

  /** Secrets of the test namespace, by name. */
  public static final class Secrets implements SourceSecrets {
    private final Map<String, Secret> secrets = new HashMap<>();

    public Secrets put(Secret s) {
      secrets.put(s.getMetadata().getName(), s);
      return this;
    }

    @Override
    public Optional<Secret> get(String name) {
      return Optional.ofNullable(secrets.get(name));
    }
  }

  /** The message of a fetch refused because ServiceAccount 'deployer' did not opt in for credential 'pull'. */
  public static final String NOT_OPTED_IN = "ServiceAccount 'deployer' does not allow RegistryCredential 'pull' to request"
      + " its tokens: add 'pull' to its annotation pullsecrets.io/allowed-credentials";

  /** Asserts that {@code fetch} fails with {@code reason}; returns the failure for more checks. */
  public static ProviderException fails(ThrowingCallable fetch, String reason) {
    Throwable t = Assertions.catchThrowable(fetch);
    Assertions.assertThat(t).isInstanceOf(ProviderException.class);
    var e = (ProviderException) t;
    Assertions.assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
    return e;
  }

  /** Asserts that {@code fetch} fails for good (not retryable) with {@code reason}; returns the failure for more checks. */
  public static ProviderException refused(ThrowingCallable fetch, String reason) {
    ProviderException e = fails(fetch, reason);
    Assertions.assertThat(e.retryable()).as("retryable").isFalse();
    return e;
  }

  public static ProviderRequest request(ProviderSpec provider, SourceSecrets secrets, boolean trusted) {
    return new ProviderRequest(credential(provider), secrets, trusted, Clock.systemUTC());
  }

  /** A request whose credential may also send tokens to these hosts (PULLSECRET_ALLOWED_ENDPOINT_HOSTS). */
  public static ProviderRequest request(ProviderSpec provider, SourceSecrets secrets, boolean trusted, String... allowedHosts) {
    return new ProviderRequest(credential(provider), secrets, trusted, java.util.Set.of(allowedHosts), Clock.systemUTC());
  }
}
