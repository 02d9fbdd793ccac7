package io.pullsecrets.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialStatus;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.health.PullFailure;
import io.pullsecrets.operator.http.HttpEndpoints;
import io.pullsecrets.operator.http.HttpServing;
import io.pullsecrets.operator.http.MetricsAuthorizer;
import io.pullsecrets.operator.http.MetricsEndpoint;
import io.pullsecrets.operator.http.OperatorHealth;
import io.pullsecrets.operator.metrics.OperatorMetrics;
import io.pullsecrets.operator.reconciler.RegistryCredentialReconciler.RefreshListener;
import io.pullsecrets.operator.webhook.CertificateSource;
import io.pullsecrets.operator.webhook.FileCertificates;
import io.pullsecrets.operator.webhook.PodInjection;
import io.pullsecrets.operator.webhook.PodWebhook;
import io.pullsecrets.operator.webhook.SelfManagedCertificates;
import io.pullsecrets.operator.webhook.ServingCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar pullsecret-operator.jar}: connects with the current kubeconfig or in-cluster
 * config, serves /metrics, /healthz and /readyz, optionally takes a Lease, and reconciles.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  /** The Lease (coordination.k8s.io) in the operator's namespace that the leader holds. */
  public static final String LEASE_NAME = "pullsecret-operator-leader";

  /** How long a stopping leader waits for running reconciliations before it releases the Lease. */
  static final Duration RECONCILIATIONS_ON_STOP = Duration.ofSeconds(10);

  private Main() {}

  /**
   * The Lease as this replica may hold it. The Lease client that leader election uses never
   * releases it on stop; without {@link #release()} a standby waits for the Lease to expire (the
   * lease duration after the last renewal), and a replacement pod that starts meanwhile may take it
   * first.
   */
  record HeldLease(KubernetesClient client, String namespace, String identity) {
    /**
     * Empties the holder when this replica holds the Lease, as client-go does on release (a
     * one-second duration, renewed now); an update of the version read, so it never clears a
     * holder that took over meanwhile. Returns whether it released.
     */
    boolean release() {
      try {
        Lease lease = client.leases().inNamespace(namespace).withName(LEASE_NAME).get();
        if (lease == null || lease.getSpec() == null || !identity.equals(lease.getSpec().getHolderIdentity())) {
          return false;
        }
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        lease.getSpec().setHolderIdentity(null);
        lease.getSpec().setLeaseDurationSeconds(1);
        lease.getSpec().setAcquireTime(now);
        lease.getSpec().setRenewTime(now);
        client.resource(lease).update();
        LOG.info("released lease {}/{}", namespace, LEASE_NAME);
        return true;
      } catch (KubernetesClientException e) {
        LOG.warn("could not release lease {}/{} ({}); another replica takes it when it expires", namespace, LEASE_NAME,
            e.getCode() == 0 ? e.getClass().getSimpleName() : "HTTP " + e.getCode());
        return false;
      }
    }
  }

  /** Lease timings: how long a lease lasts, how long the leader tries to renew, how often others retry. */
  public record LeaseTimings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    public static final LeaseTimings DEFAULT = new LeaseTimings(
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE);
  }

  /**
   * How a process runs the operator: what {@link #main} uses, and what the tests use with their
   * own identity, timings and reaction to a lost lease.
   *
   * @param identity the lease holder's identity (the pod name in a cluster)
   * @param lease lease timings
   * @param onLostLeadership called when this replica loses a lease it held, other than by {@link
   *     Running#close()}; {@link #main} exits the process so that two replicas never reconcile at
   *     once
   */
  public record Launch(String identity, LeaseTimings lease, Runnable onLostLeadership, Duration webhookCertificateRefresh,
      HttpServing.Limits httpLimits) {
    /** How often the webhook re-reads its certificate (and rotates it when due) by default. */
    private static final Duration WEBHOOK_CERTIFICATE_REFRESH = Duration.ofMinutes(1);

    public Launch(String identity, LeaseTimings lease, Runnable onLostLeadership) {
      this(identity, lease, onLostLeadership, WEBHOOK_CERTIFICATE_REFRESH, HttpServing.Limits.DEFAULT);
    }

    public Launch withWebhookCertificateRefresh(Duration d) {
      return new Launch(identity, lease, onLostLeadership, d, httpLimits);
    }

    /** The same launch with these deadlines on the HTTP ports. */
    public Launch withHttpLimits(HttpServing.Limits limits) {
      return new Launch(identity, lease, onLostLeadership, webhookCertificateRefresh, limits);
    }

    public static Launch defaults() {
      String host = System.getenv("HOSTNAME");
      String id = host == null || host.isBlank() ? "pullsecret-operator-" + UUID.randomUUID() : host;
      return new Launch(id, LeaseTimings.DEFAULT, () -> {
        LOG.error("lost the leader lease; exiting so that a new leader takes over");
        new Thread(() -> System.exit(1), "exit").start();
      });
    }
  }

  /** The operator, its metrics and its HTTP endpoints, running in this process. */
  public static final class Running implements AutoCloseable {
    private final PullSecretOperator operator;
    private final HttpServing serving;
    private final ServingCertificate certificate;
    private final HttpEndpoints http;
    private final PodWebhook webhook;
    private final MetricsEndpoint secureMetrics;
    private final AtomicBoolean stopping;
    private final HeldLease lease;

    private Running(PullSecretOperator operator, HttpServing serving, ServingCertificate certificate, HttpEndpoints http,
        PodWebhook webhook, MetricsEndpoint secureMetrics, AtomicBoolean stopping, HeldLease lease) {
      this.lease = lease;
      this.secureMetrics = secureMetrics;
      this.operator = operator;
      this.serving = serving;
      this.certificate = certificate;
      this.http = http;
      this.webhook = webhook;
      this.stopping = stopping;
    }

    /** The admission webhook, when enabled. */
    public Optional<PodWebhook> webhook() {
      return Optional.ofNullable(webhook);
    }

    /** Starts the operator; returns once every informer cache has synced. */
    public Running start() {
      operator.start();
      return this;
    }

    public PullSecretOperator operator() {
      return operator;
    }

    public int httpPort() {
      return http.port();
    }

    /** The HTTPS port of authenticated /metrics, when metrics are secure. */
    public Optional<Integer> metricsPort() {
      return Optional.ofNullable(secureMetrics).map(MetricsEndpoint::port);
    }

    /** The serving certificate (webhook and HTTPS metrics), when either is on. */
    public Optional<ServingCertificate> certificate() {
      return Optional.ofNullable(certificate);
    }

    @Override
    public void close() {
      stopping.set(true);
      try {
        if (webhook != null) {
          webhook.close();
        }
        if (secureMetrics != null) {
          secureMetrics.close();
        }
        operator.close();
        // Reconciling has stopped: hand the Lease over now rather than when it expires.
        if (lease != null) {
          lease.release();
        }
      } finally {
        http.close();
        if (certificate != null) {
          certificate.close();
        }
        serving.close();
      }
    }
  }

  /**
   * Builds the operator with metrics (and leader election when configured) and starts the HTTP
   * endpoints, so that /healthz answers while the caches sync; call {@link Running#start()} next.
   */
  public static Running create(KubernetesClient client, OperatorConfig config, PullSecretOperator.Options options, Launch launch) {
    OperatorMetrics metrics = new OperatorMetrics();
    AtomicBoolean stopping = new AtomicBoolean();
    RefreshListener theirs = options.listener();
    PullSecretOperator.Options opts = options
        .withListener(both(metrics, theirs))
        .withJosdk(o -> {
          o.withMetrics(metrics.josdkMetrics());
          if (config.leaderElection()) {
            o.withLeaderElectionConfiguration(leaderElection(config, launch, metrics, stopping));
            // A stopping leader waits for its reconciliations before it releases the Lease, so
            // that the next leader never reconciles beside them.
            o.withReconciliationTerminationTimeout(RECONCILIATIONS_ON_STOP);
          }
        });
    if (!config.leaderElection()) {
      metrics.setLeader(true);
    }
    PullSecretOperator operator = new PullSecretOperator(client, config, opts);
    OperatorHealth health = new OperatorHealth(operator.operator());
    HttpServing serving = HttpServing.create(launch.httpLimits());
    ServingCertificate certificate = null;
    PodWebhook webhook = null;
    MetricsEndpoint secureMetrics = null;
    try {
      if (config.webhook().enabled() || config.metrics().secure()) {
        certificate = ServingCertificate.start(config.webhook().enabled() ? "webhook" : "metrics", certificates(client, config),
            launch.webhookCertificateRefresh());
      }
      if (config.webhook().enabled()) {
        webhook = startWebhook(serving, certificate, config, metrics, operator, opts.providers());
      }
      if (config.metrics().secure()) {
        int port = config.metrics().port();
        try {
          secureMetrics = MetricsEndpoint.start(serving, port, certificate.keyManager(), metrics::scrape, MetricsAuthorizer.of(client));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot serve metrics on port " + port + ": " + e.getMessage(), e);
        }
      }
      HttpEndpoints.Check ready = health.readiness();
      if (webhook != null) {
        PodWebhook hook = webhook;
        HttpEndpoints.Check operatorReady = ready;
        ready = () -> operatorReady.problem().or(hook::problem);
      }
      HttpEndpoints http;
      try {
        http = secureMetrics == null
            ? HttpEndpoints.start(serving, config.httpPort(), metrics::scrape, "", health.liveness(), ready)
            : HttpEndpoints.start(serving, config.httpPort(), null,
                "/metrics is served over HTTPS on port " + secureMetrics.port() + " to a bearer token allowed to get /metrics",
                health.liveness(), ready);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot serve HTTP on port " + config.httpPort() + ": " + e.getMessage(), e);
      }
      HeldLease lease = config.leaderElection() ? new HeldLease(client, config.namespace(), launch.identity()) : null;
      return new Running(operator, serving, certificate, http, webhook, secureMetrics, stopping, lease);
    } catch (RuntimeException e) {
      if (webhook != null) {
        webhook.close();
      }
      if (secureMetrics != null) {
        secureMetrics.close();
      }
      if (certificate != null) {
        certificate.close();
      }
      serving.close();
      operator.close();
      throw e;
    }
  }

  /** The Lease: leader metric on acquiring and losing it; losing it outside a stop ends the process. */
  private static LeaderElectionConfiguration leaderElection(OperatorConfig config, Launch launch, OperatorMetrics metrics,
      AtomicBoolean stopping) {
    return new LeaderElectionConfiguration(
        LEASE_NAME, config.namespace(),
        launch.lease().leaseDuration(), launch.lease().renewDeadline(), launch.lease().retryPeriod(),
        launch.identity(),
        new LeaderCallbacks(
            () -> {
              LOG.info("acquired lease {}/{} as {}; reconciling", config.namespace(), LEASE_NAME, launch.identity());
              metrics.setLeader(true);
            },
            () -> {
              metrics.setLeader(false);
              if (!stopping.get()) {
                launch.onLostLeadership().run();
              }
            },
            leader -> LOG.info("lease {}/{} is held by {}", config.namespace(), LEASE_NAME, leader)),
        false);
  }

  /**
   * Self-managed certificates (naming the webhook's and the metrics' Services), or those in the
   * configured directory (which must name both Services themselves).
   */
  private static CertificateSource certificates(KubernetesClient client, OperatorConfig config) {
    OperatorConfig.Webhook w = config.webhook();
    List<String> services = new ArrayList<>();
    if (w.enabled()) {
      services.add(w.serviceName());
    }
    if (config.metrics().secure()) {
      services.add(config.metrics().serviceName());
    }
    return w.certDir().isEmpty()
        ? new SelfManagedCertificates(client, config.namespace(), w.secretName(), w.configurationName(), services,
            java.time.Clock.systemUTC(), SelfManagedCertificates.VALIDITY)
        : new FileCertificates(java.nio.file.Path.of(w.certDir()));
  }

  /** Serves the admission webhook. */
  private static PodWebhook startWebhook(HttpServing serving, ServingCertificate certificate, OperatorConfig config,
      OperatorMetrics metrics, PullSecretOperator operator, io.pullsecrets.operator.provider.ProviderRegistry providers) {
    OperatorConfig.Webhook w = config.webhook();
    metrics.enableWebhookMetrics();
    try {
      return PodWebhook.start(serving, w.port(), certificate, new PodInjection(config, providers),
          operator.assembly().cluster(), () -> operator.operator().getRuntimeInfo().isStarted(), metrics);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve the admission webhook on port " + w.port() + ": " + e.getMessage(), e);
    }
  }

  /** Tells {@code a}, then {@code b}, of every callback. */
  static RefreshListener both(RefreshListener a, RefreshListener b) {
    if (b == null || b == RefreshListener.NONE) {
      return a;
    }
    return new RefreshListener() {
      @Override
      public void refreshed(CredentialResource<?> rc, String provider, boolean success, String reason, Duration took, Instant expiresAt) {
        a.refreshed(rc, provider, success, reason, took, expiresAt);
        b.refreshed(rc, provider, success, reason, took, expiresAt);
      }

      @Override
      public void synced(CredentialResource<?> rc, RegistryCredentialStatus status) {
        a.synced(rc, status);
        b.synced(rc, status);
      }

      @Override
      public void deleted(CredentialResource<?> rc) {
        a.deleted(rc);
        b.deleted(rc);
      }

      @Override
      public void reconciled(CredentialResource<?> rc) {
        a.reconciled(rc);
        b.reconciled(rc);
      }

      @Override
      public void pullFailures(CredentialResource<?> rc, PullFailure.Kind kind, long n) {
        a.pullFailures(rc, kind, n);
        b.pullFailures(rc, kind, n);
      }
    };
  }

  public static void main(String[] args) throws InterruptedException {
    OperatorConfig config;
    try {
      config = OperatorConfig.parse(args, System.getenv());
    } catch (OperatorConfig.HelpRequested e) {
      System.out.print(e.getMessage());
      return;
    } catch (OperatorConfig.ConfigException e) {
      System.err.println("pullsecret-operator: " + e.getMessage());
      System.exit(2);
      return;
    }
    Logging.configure(config.logLevel(), config.logFormat());
    KubernetesClient client = null;
    Running running;
    try {
      client = Preflight.connect(config, System.getenv());
      running = create(client, config, PullSecretOperator.Options.defaults(client), Launch.defaults());
    } catch (RuntimeException e) {
      if (client != null) {
        client.close();
      }
      cannotStart(e, config);
      return;
    }
    KubernetesClient connected = client;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping");
      try {
        running.close();
      } finally {
        connected.close();
        stopped.countDown();
      }
    }, "shutdown"));
    try {
      running.start();
    } catch (RuntimeException e) {
      cannotStart(e, config);
    }
    LOG.info(config.leaderElection()
        ? "started; caches synced; reconciling once this replica holds the lease"
        : "started; reconciling RegistryCredentials");
    stopped.await();
  }

  /** One ERROR line saying what is wrong and what to do (the stack trace at debug), then exit 1. */
  private static void cannotStart(RuntimeException e, OperatorConfig config) {
    LOG.error("cannot start: {}", Preflight.explain(e, config));
    LOG.debug("cannot start", e);
    System.exit(1);
  }

}
