package io.pullsecrets.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.reconciler.ReconcilerAssembly;
import io.pullsecrets.operator.reconciler.RegistryCredentialReconciler;
import io.pullsecrets.operator.verify.RegistryVerifier;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The operator assembled, the composition root: JOSDK (status and finalizer written with
 * server-side apply), one controller for RegistryCredential and one for ClusterRegistryCredential
 * (the same reconciler and parts, which {@link ReconcilerAssembly} builds by constructor), and a
 * small pool for per-namespace writes. Used by {@link Main} and by
 * the tests.
 */
public final class PullSecretOperator implements AutoCloseable {
  /** Parallel writes per sync: enough to hide API latency, few enough not to flood the server. */
  public static final int WRITE_THREADS = 4;
  /**
   * Reconciles at once (JOSDK's default is 50). A reconcile waits on its provider's answer (each
   * call has a deadline) and on the {@link #WRITE_THREADS} writers; a fixed pool keeps every thread
   * it ever started, and at 50 the idle ones cost about 5 MiB of stacks.
   */
  public static final int RECONCILE_THREADS = 16;
  /**
   * Retries of one API request inside the client: none. fabric8 7.5's own retry ignores the
   * server's Retry-After (it waits its own 100 ms doubling interval) and would hold a worker while
   * it waits; the reconciler retries instead, with its backoff and never sooner than Retry-After.
   */
  public static final int REQUEST_RETRIES = 0;

  private final Operator operator;
  private final ExecutorService pool;
  private final ReconcilerAssembly assembly;

  public record Options(
      ProviderRegistry providers,
      Clock clock,
      DoubleSupplier jitter,
      RegistryCredentialReconciler.RefreshListener listener,
      Consumer<ConfigurationServiceOverrider> josdk,
      Duration conflictRecheck) {

    public static Options defaults(KubernetesClient client) {
      return new Options(
          ProviderRegistry.defaults(client),
          Clock.systemUTC(),
          RegistryCredentialReconciler.randomJitter(),
          RegistryCredentialReconciler.RefreshListener.NONE,
          o -> {},
          RegistryCredentialReconciler.CONFLICT_RECHECK);
    }

    public Options withProviders(ProviderRegistry p) {
      return new Options(p, clock, jitter, listener, josdk, conflictRecheck);
    }

    public Options withClock(Clock c) {
      return new Options(providers, c, jitter, listener, josdk, conflictRecheck);
    }

    public Options withJitter(DoubleSupplier j) {
      return new Options(providers, clock, j, listener, josdk, conflictRecheck);
    }

    public Options withListener(RegistryCredentialReconciler.RefreshListener l) {
      return new Options(providers, clock, jitter, l, josdk, conflictRecheck);
    }

    /** How often namespaces in Conflict are looked at again (foreign Secrets are not watched). */
    public Options withConflictRecheck(Duration d) {
      return new Options(providers, clock, jitter, listener, josdk, d);
    }

    public Options withJosdk(Consumer<ConfigurationServiceOverrider> j) {
      return new Options(providers, clock, jitter, listener, josdk.andThen(j), conflictRecheck);
    }
  }

  public PullSecretOperator(KubernetesClient client, OperatorConfig config, Options options) {
    this.pool = Executors.newFixedThreadPool(WRITE_THREADS, r -> {
      Thread t = new Thread(r, "pullsecret-writer");
      t.setDaemon(true);
      return t;
    });
    this.operator = new Operator(o -> {
      // Status and finalizer are written with server-side apply (JOSDK's default): the operator's
      // field manager owns the whole status, so a write never depends on the cached object being
      // current (a JSON diff against a stale cache fails with 422 on a real server).
      o.withKubernetesClient(client)
          .withUseSSAToPatchPrimaryResource(true)
          .withSSABasedCreateUpdateMatchForDependentResources(false)
          .withCloseClientOnStop(false)
          .withStopOnInformerErrorDuringStartup(true)
          .withCacheSyncTimeout(Duration.ofMinutes(2))
          .withConcurrentReconciliationThreads(RECONCILE_THREADS);
      options.josdk().accept(o);
    });
    this.assembly = new ReconcilerAssembly(client, config, options.providers(), options.clock(), options.jitter(), pool,
        options.listener(), new RegistryVerifier(config.allowedEndpointHosts()),
        operator.getConfigurationService().useSSAToPatchPrimaryResource(), options.conflictRecheck());
    operator.register(assembly.reconciler(), c -> {
      configure(c);
      if (config.watchNamespaces().isEmpty()) {
        c.watchingAllNamespaces();
      } else {
        c.settingNamespaces(config.watchNamespaces());
      }
    });
    // The cluster-scoped kind needs a cluster-wide install: it may target any namespace, and its
    // objects are listed with a ClusterRole, which a namespaced install does not have.
    if (servesClusterCredentials(config)) {
      operator.register(assembly.clusterReconciler(), PullSecretOperator::configure);
    }
  }

  /** Whether ClusterRegistryCredentials are served: when the operator watches every namespace. */
  public static boolean servesClusterCredentials(OperatorConfig config) {
    return config.watchNamespaces().isEmpty();
  }

  /** What both controllers share: the finalizer, which updates reconcile, and the retry. */
  private static <R extends CredentialResource<?>> void configure(
      io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider<R> c) {
    c.withFinalizer(RegistryCredentialReconciler.FINALIZER)
        // The refresh annotation is not part of the generation: every metadata change counts, but
        // an update that changes only status (the operator's own writes) reconciles nothing.
        .withGenerationAware(false)
        .withOnUpdateFilter(PullSecretOperator::notOnlyStatus)
        .withRetry(new GenericRetry()
            .setInitialInterval(1000)
            .setIntervalMultiplier(2)
            .setMaxInterval(Duration.ofMinutes(5).toMillis())
            .withoutMaxAttempts());
  }

  /** Whether an update changed more than status: spec, labels, annotations, finalizers or deletion. */
  static boolean notOnlyStatus(CredentialResource<?> now, CredentialResource<?> before) {
    var n = now.getMetadata();
    var b = before.getMetadata();
    return !java.util.Objects.equals(n.getGeneration(), b.getGeneration())
        || !java.util.Objects.equals(n.getLabels(), b.getLabels())
        || !java.util.Objects.equals(n.getAnnotations(), b.getAnnotations())
        || !java.util.Objects.equals(n.getFinalizers(), b.getFinalizers())
        || n.getDeletionTimestamp() != null;
  }

  public PullSecretOperator start() {
    operator.start();
    return this;
  }

  public Operator operator() {
    return operator;
  }

  public RegistryCredentialReconciler<RegistryCredential> reconciler() {
    return assembly.reconciler();
  }

  /** The reconciler's parts: the cluster view the webhook reads, and diagnostics for tests. */
  public ReconcilerAssembly assembly() {
    return assembly;
  }

  @Override
  public void close() {
    operator.stop();
    pool.shutdownNow();
  }
}
