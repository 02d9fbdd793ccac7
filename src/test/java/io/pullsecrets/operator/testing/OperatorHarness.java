package io.pullsecrets.operator.testing;

import static org.awaitility.Awaitility.await;

import io.pullsecrets.operator.api.StatusCondition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.PullSecretOperator;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialStatus;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.reconciler.RegistryCredentialReconciler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The whole operator (JOSDK, informers, finalizer, status) running against the real control plane
 * ({@link RealApiServer}, with the chart's RBAC enforced) or, for fault injection, fabric8's CRUD
 * mock ({@link #mock()}). The operator namespace is {@code pullsecret-system}; {@code platform}
 * is trusted too.
 */
public final class OperatorHarness implements AutoCloseable {
  public static final String OPERATOR_NS = "pullsecret-system";
  public static final String PLATFORM_NS = "platform";
  public static final Duration WAIT = Duration.ofSeconds(15);

  public final TestApi api;
  public final KubernetesClient client;
  private final KubernetesClient operatorClient;
  private PullSecretOperator operator;
  private final SecretScan.LogCapture logs = new SecretScan.LogCapture();
  /** Completed reconciles that reached the sync step, by anyone. */
  public final AtomicInteger syncs = new AtomicInteger();
  private final java.util.Map<String, AtomicInteger> reconciles = new java.util.concurrent.ConcurrentHashMap<>();

  /** On the real control plane (skipped where it is not built). */
  public OperatorHarness() {
    this(new RealApiServer());
  }

  /** On fabric8's CRUD mock, for tests that inject faults ({@link #mock()}). */
  public static OperatorHarness onMock() {
    return new OperatorHarness(new MockApiServer());
  }

  public OperatorHarness(TestApi api) {
    this(api, api.newOperatorClient());
  }

  /** With the operator's own client (for example one that goes through a {@link TcpProxy}). */
  public OperatorHarness(TestApi api, KubernetesClient operatorClient) {
    this.api = api;
    this.client = api.client();
    this.operatorClient = operatorClient;
    Fixtures.namespace(client, OPERATOR_NS, Map.of());
    Fixtures.namespace(client, PLATFORM_NS, Map.of());
    if (api instanceof RealApiServer real) {
      real.grantLeaderElection(OPERATOR_NS);
    }
  }

  /** The operator's own client (on the real server: the chart's ServiceAccount, with its RBAC). */
  public KubernetesClient operatorClient() {
    return operatorClient;
  }

  /** The CRUD mock this harness runs on, for fault injection. */
  public MockApiServer mock() {
    return (MockApiServer) api;
  }

  /**
   * Namespace {@code name} with these labels and its default ServiceAccount, held by a finalizer so
   * that a delete leaves it terminating.
   */
  public void heldNamespace(String name, Map<String, String> labels) {
    client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(name)
        .withLabels(labels).withFinalizers("example.com/hold").endMetadata().build()).create();
    Fixtures.serviceAccount(client, name, "default", Map.of());
  }

  /**
   * On the mock: deletes the (held) namespace {@code name}, refusing the operator's writes into it
   * from then on (403 Forbidden) as a real API server refuses writes into a terminating namespace.
   */
  public void terminate(String name) {
    mock().setFault(r -> r.getPath().contains("/namespaces/" + name + "/") && !r.getMethod().equals("GET")
        && MockApiServer.OPERATOR_AGENT.equals(r.getHeader("User-Agent"))
        ? new io.fabric8.mockwebserver.http.MockResponse().setResponseCode(403)
            .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\",\"code\":403}")
        : null);
    client.namespaces().withName(name).delete();
  }

  public static OperatorConfig config(Set<String> watch) {
    return new OperatorConfig(OPERATOR_NS, Set.of(OPERATOR_NS, PLATFORM_NS), watch, 0, false, "info", "text");
  }

  /** {@link #config(Set)} with hosts on the operator's allow-list (e.g. a local registry that {@code verify: true} may probe). */
  public static OperatorConfig config(Set<String> watch, Set<String> allowedEndpointHosts) {
    return new OperatorConfig(OPERATOR_NS, Set.of(OPERATOR_NS, PLATFORM_NS), watch, 0, false, "info", "text", allowedEndpointHosts);
  }

  public OperatorHarness start() {
    return start(config(Set.of()), o -> o);
  }

  public OperatorHarness start(OperatorConfig config, Function<PullSecretOperator.Options, PullSecretOperator.Options> customize) {
    PullSecretOperator.Options options = PullSecretOperator.Options.defaults(operatorClient)
        .withListener(new RegistryCredentialReconciler.RefreshListener() {
          @Override
          public void synced(CredentialResource<?> rc, RegistryCredentialStatus status) {
            syncs.incrementAndGet();
          }

          @Override
          public void reconciled(CredentialResource<?> rc) {
            reconciles.computeIfAbsent(rc.ownerKey(),
                k -> new AtomicInteger()).incrementAndGet();
          }
        });
    if (!api.real()) {
      // fabric8's CRUD mock has no server-side apply: status is written as a JSON diff there.
      options = options.withJosdk(o -> o.withUseSSAToPatchPrimaryResource(false));
    }
    operator = new PullSecretOperator(operatorClient, config, customize.apply(options)).start();
    return this;
  }

  /** The running operator (null when stopped). */
  public PullSecretOperator operator() {
    return operator;
  }

  /** How many reconciles of this resource have finished. */
  public int reconciles(String ns, String name) {
    AtomicInteger n = reconciles.get(ns + "/" + name);
    return n == null ? 0 : n.get();
  }

  /** Stops the operator (the API server keeps running). */
  public void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
    }
  }

  public ProviderRegistry defaultProviders() {
    return ProviderRegistry.defaults(operatorClient);
  }

  public RegistryCredential apply(RegistryCredential rc) {
    if (rc.getMetadata().getResourceVersion() != null) {
      return client.resource(rc).update();
    }
    return client.resource(rc).createOr(op -> op.update());
  }

  /**
   * Asks for a refresh the documented way, annotation {@code pullsecrets.io/refresh-requested}, by
   * a merge patch of that annotation alone: the operator's status writes cannot conflict with it.
   */
  public void requestRefresh(String ns, String name, String value) {
    client.resources(RegistryCredential.class).inNamespace(ns).withName(name).patch(
        PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"" + Labels.REFRESH_REQUESTED_ANNOTATION
            + "\":\"" + value + "\"}}}");
  }

  /** What {@code kubectl explain FIELD} prints for the real API server's CRD, whitespace folded to single spaces. */
  public String explain(String field) {
    return Cli.kubectl(((RealApiServer) api).controlPlane.kubeconfig, "explain", field, "--recursive=false").ok().stdout()
        .replaceAll("\\s+", " ");
  }

  public RegistryCredential get(String ns, String name) {
    return client.resources(RegistryCredential.class).inNamespace(ns).withName(name).get();
  }

  public Optional<Secret> secret(String ns, String name) {
    return Optional.ofNullable(client.secrets().inNamespace(ns).withName(name).get());
  }

  /** The decoded {@code .dockerconfigjson} of Secret {@code ns/name}; "" when it does not exist or has none. */
  public String dockerConfig(String ns, String name) {
    return Fixtures.dockerConfigJson(client, ns, name);
  }

  public ServiceAccount serviceAccount(String ns, String name) {
    return client.serviceAccounts().inNamespace(ns).withName(name).get();
  }

  public List<String> pullSecretNames(String ns, String sa) {
    ServiceAccount account = serviceAccount(ns, sa);
    return account.getImagePullSecrets() == null ? List.of()
        : account.getImagePullSecrets().stream().map(r -> r.getName()).toList();
  }

  public static Optional<StatusCondition> condition(RegistryCredential rc, String type) {
    if (rc == null || rc.getStatus() == null || rc.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return rc.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** Waits until the resource's current generation is observed and its condition has this status and reason. */
  public RegistryCredential awaitCondition(String ns, String name, String type, String status, String reason) {
    return awaitResource(ns, name, rc -> rc.getStatus() != null
        && rc.getMetadata().getGeneration().equals(rc.getStatus().getObservedGeneration())
        && condition(rc, type).map(c -> status.equals(c.getStatus()) && (reason == null || reason.equals(c.getReason()))).orElse(false));
  }

  /** Applies {@code rc} and waits until it is Ready (Synced); returns it as it is then. */
  public RegistryCredential applyReady(RegistryCredential rc) {
    apply(rc);
    return awaitReady(rc.getMetadata().getNamespace(), rc.getMetadata().getName());
  }

  public RegistryCredential awaitReady(String ns, String name) {
    return awaitCondition(ns, name, "Ready", "True", "Synced");
  }

  public RegistryCredential awaitResource(String ns, String name, Predicate<RegistryCredential> until) {
    RegistryCredential[] last = new RegistryCredential[1];
    await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
      last[0] = get(ns, name);
      return last[0] != null && until.test(last[0]);
    });
    return last[0];
  }

  /**
   * Any namespace event reconciles every credential: sets the label {@code tick=i} on namespace
   * {@code namespace} (which exists) and waits for a reconcile of {@code PLATFORM_NS/name} that began after it.
   */
  public void tick(String namespace, String name, int i) {
    int before = reconciles(PLATFORM_NS, name);
    client.namespaces().withName(namespace).edit(ns -> {
      ns.getMetadata().getLabels().put("tick", Integer.toString(i));
      return ns;
    });
    awaitUntil(() -> reconciles(PLATFORM_NS, name) > before);
  }

  /**
   * A token's refresh time passing on the operator's {@code clock}: 30 s before {@code next} two
   * reconciles of {@code PLATFORM_NS/name} (namespace events on "ticker") fetch nothing ({@code
   * fetches} stays at 1); a minute later another reconcile runs, which must fetch.
   */
  public void crossRefreshTime(TestClock clock, Instant next, String name, java.util.function.IntSupplier fetches) {
    clock.advance(Duration.between(clock.instant(), next).minusSeconds(30));
    tick("ticker", name, 1);
    tick("ticker", name, 2);
    org.assertj.core.api.Assertions.assertThat(fetches.getAsInt()).as("fetches before the refresh time").isEqualTo(1);
    clock.advance(Duration.ofMinutes(1));
    tick("ticker", name, 3);
  }

  public void awaitUntil(java.util.concurrent.Callable<Boolean> condition) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(condition);
  }

  /** How many of the captured log lines were debug or trace. */
  public int debugLogLines() {
    return logs.debugLines();
  }

  /** Log lines captured so far. */
  public List<String> logLines() {
    return logs.lines();
  }

  /**
   * Stops everything, then scans the operator's log, every Event and every RegistryCredential
   * status for the secret values the test used, and fails on any hit.
   */
  @Override
  public void close() {
    List<String> hits = new java.util.ArrayList<>();
    try {
      stopOperator();
      logs.close();
      for (String line : logs.lines()) {
        hits.addAll(SecretScan.find("a log line of " + line.split(" ", 2)[0], line));
      }
      for (var e : client.v1().events().inAnyNamespace().list().getItems()) {
        hits.addAll(SecretScan.find("Event " + e.getMetadata().getNamespace() + "/" + e.getMetadata().getName(),
            io.fabric8.kubernetes.client.utils.Serialization.asJson(e)));
      }
      if (api instanceof RealApiServer real) {
        // A status write never fails for a stale cache (server-side apply without resourceVersion).
        for (var e : real.auditEvents()) {
          int code = e.path("responseStatus").path("code").asInt();
          if (e.path("objectRef").path("subresource").asText().equals("status")
              && e.path("objectRef").path("resource").asText().equals("registrycredentials")
              && RealApiServer.byOperator(e)
              && (code == 409 || code == 422)) {
            hits.add("a status write was answered " + code + ": " + e.path("requestURI").asText());
          }
        }
      }
      for (var rc : client.resources(RegistryCredential.class).inAnyNamespace().list().getItems()) {
        hits.addAll(SecretScan.find("status of " + rc.getMetadata().getNamespace() + "/" + rc.getMetadata().getName(),
            io.fabric8.kubernetes.client.utils.Serialization.asJson(rc.getStatus())));
      }
    } finally {
      try {
        operatorClient.close();
      } finally {
        api.close();
      }
    }
    if (!hits.isEmpty()) {
      throw new AssertionError("secret material leaked, or a status write failed:\n" + String.join("\n", hits));
    }
  }
}
