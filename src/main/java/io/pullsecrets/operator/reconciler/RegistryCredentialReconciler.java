package io.pullsecrets.operator.reconciler;

import io.pullsecrets.operator.api.StatusCondition;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.FailedNamespace;
import io.pullsecrets.operator.api.NamespaceCounts;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialStatus;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.Reasons;
import io.pullsecrets.operator.provider.SourceSecrets;
import io.pullsecrets.operator.reconciler.Replicator.NamespaceResult;
import io.pullsecrets.operator.verify.RegistryVerifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one reconciler: validates the spec, obtains the credential from its provider (once per
 * refresh), has the {@link Replicator} write it everywhere it belongs, and writes status,
 * conditions and events. Status is written only when it changed.
 */
public class RegistryCredentialReconciler implements Reconciler<RegistryCredential>, Cleaner<RegistryCredential> {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryCredentialReconciler.class);
  public static final String FINALIZER = "pullsecrets.io/cleanup";
  public static final int FAILED_NAMESPACES_SHOWN = 20;
  /** fabric8's informers index every cache by namespace under this name. */
  private static final String BY_NAMESPACE = io.fabric8.kubernetes.client.informers.cache.Cache.NAMESPACE_INDEX;
  static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
  /**
   * A Secret held by someone else is not watched (only managed Secrets are cached): look again this
   * often, so that the namespace syncs soon after its owner deletes it. Reads only.
   */
  public static final Duration CONFLICT_RECHECK = Duration.ofMinutes(1);
  private volatile Duration conflictRecheck = CONFLICT_RECHECK;

  /** How often namespaces in Conflict are looked at again (default one minute). */
  public void conflictRecheck(Duration every) {
    this.conflictRecheck = every;
  }
  /** A Secret holds at most 1 MiB; leave room for metadata. */
  public static final int MAX_DOCKER_CONFIG_BYTES = 1_000_000;
  private static final java.util.regex.Pattern SECRET_NAME =
      java.util.regex.Pattern.compile(io.pullsecrets.operator.api.RegistryCredentialSpec.SECRET_NAME_PATTERN);

  /** Whether {@code name} is a valid Secret name (what the reconciler accepts as spec.secretName). */
  public static boolean validSecretName(String name) {
    return name != null && SECRET_NAME.matcher(name).matches();
  }

  private final OperatorConfig config;
  private final ProviderRegistry providers;
  private final Clock clock;
  private final DoubleSupplier jitter;
  private final CredentialCache credentials = new CredentialCache();
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  /** After a failed fetch: no provider call before {@code until} unless the inputs change. */
  private final Map<String, Hold> holds = new ConcurrentHashMap<>();
  /** Namespaces whose writes failed wait on their own; the others are synced meanwhile. */
  private final NamespaceBackoff namespaceBackoff = new NamespaceBackoff(MIN_BACKOFF, MAX_BACKOFF);
  /** Namespaces where removing this credential's Secrets failed: when to try again. */
  private final NamespaceBackoff cleanupBackoff = new NamespaceBackoff(MIN_BACKOFF, MAX_BACKOFF);

  /** A failed fetch being backed off from: its error keeps the status steady until {@code until}. */
  private record Hold(Instant until, String inputs, ProviderException error) {}
  private final java.util.concurrent.ExecutorService pool;
  private final RefreshListener listener;
  private final RegistryVerifier verifier;

  private volatile InformerEventSource<Secret, RegistryCredential> managedSecrets;
  private volatile InformerEventSource<Namespace, RegistryCredential> namespaces;
  private volatile InformerEventSource<ServiceAccount, RegistryCredential> serviceAccounts;
  private volatile io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache<RegistryCredential> primaryCache;
  private volatile SourceSecretWatcher sources;
  private volatile Replicator replicator;
  private volatile EventRecorder events;

  /** Told about every provider call and every sync, for metrics. */
  public interface RefreshListener {
    default void refreshed(RegistryCredential rc, String provider, boolean success, String reason, Duration took, Instant expiresAt) {}

    default void synced(RegistryCredential rc, RegistryCredentialStatus status) {}

    default void deleted(RegistryCredential rc) {}

    /** Every reconcile that ends without an exception, whatever its outcome. */
    default void reconciled(RegistryCredential rc) {}

    RefreshListener NONE = new RefreshListener() {};
  }

  public RegistryCredentialReconciler(
      OperatorConfig config,
      ProviderRegistry providers,
      Clock clock,
      DoubleSupplier jitter,
      java.util.concurrent.ExecutorService pool,
      RefreshListener listener,
      RegistryVerifier verifier) {
    this.config = config;
    this.providers = providers;
    this.clock = clock;
    this.jitter = jitter;
    this.pool = pool;
    this.listener = listener;
    this.verifier = verifier;
  }

  public static DoubleSupplier randomJitter() {
    return () -> ThreadLocalRandom.current().nextDouble(-1, 1);
  }

  @Override
  public List<EventSource<?, RegistryCredential>> prepareEventSources(EventSourceContext<RegistryCredential> context) {
    ssaStatus = context.getControllerConfiguration().getConfigurationService().useSSAToPatchPrimaryResource();
    primaryCache = context.getPrimaryCache();
    var allPrimaries = (java.util.function.Function<Object, Set<ResourceID>>) any ->
        context.getPrimaryCache().list().map(ResourceID::fromResource).collect(Collectors.toSet());

    namespaces = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Namespace.class, RegistryCredential.class)
            .withName("namespaces")
            .withWatchAllNamespaces()
            .withSecondaryToPrimaryMapper(ns -> allPrimaries.apply(ns))
            .build(),
        context);

    serviceAccounts = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(ServiceAccount.class, RegistryCredential.class)
            .withName("service-accounts")
            .withNamespacesInheritedFromController()
            .withSecondaryToPrimaryMapper(sa -> allPrimaries.apply(sa))
            .build(),
        context);

    managedSecrets = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Secret.class, RegistryCredential.class)
            .withName("managed-secrets")
            .withNamespacesInheritedFromController()
            .withLabelSelector(Labels.MANAGED_SELECTOR)
            // Anyone can put the label on their own Secrets: cache a digest of the data, not the data.
            .withItemStore(new io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore<>(
                SecretDigests::slim))
            .withSecondaryToPrimaryMapper(this::ownersOf)
            .build(),
        context);
    managedSecrets.addIndexers(Map.of(Labels.CREDENTIAL_UID, s -> {
      String uid = s.getMetadata().getLabels() == null ? null : s.getMetadata().getLabels().get(Labels.CREDENTIAL_UID);
      return uid == null ? List.of() : List.of(uid);
    }));

    sources = new SourceSecretWatcher(context.getClient());
    events = new EventRecorder(context.getClient(), clock);
    replicator = new Replicator(context.getClient(), new InformerView(), pool, events);
    return List.of(namespaces, serviceAccounts, managedSecrets, sources);
  }

  /**
   * What the informers hold, for the admission webhook: reads only the caches, never the API
   * server. Empty lists and empty optionals before the event sources exist.
   */
  public CachedState cache() {
    return cachedState;
  }

  /** Read-only access to the informer caches. */
  public interface CachedState {
    List<RegistryCredential> credentials();

    Optional<Namespace> namespace(String name);

    Optional<ServiceAccount> serviceAccount(String namespace, String name);
  }

  private final CachedState cachedState = new CachedState() {
    @Override
    public List<RegistryCredential> credentials() {
      var cache = primaryCache;
      return cache == null ? List.of() : cache.list().toList();
    }

    @Override
    public Optional<Namespace> namespace(String name) {
      var informer = namespaces;
      return informer == null ? Optional.empty() : informer.get(new ResourceID(name));
    }

    @Override
    public Optional<ServiceAccount> serviceAccount(String namespace, String name) {
      var informer = serviceAccounts;
      return informer == null ? Optional.empty() : informer.get(new ResourceID(name, namespace));
    }
  };

  /**
   * A Secret as the operator's managed-Secret cache holds it (metadata and a digest of the data,
   * see {@link SecretDigests}); for tests and diagnostics.
   */
  public Optional<Secret> cachedManagedSecret(String namespace, String name) {
    return managedSecrets == null ? Optional.empty() : managedSecrets.get(new ResourceID(name, namespace));
  }

  /** The RegistryCredential named on a managed Secret, plus any waiting for that Secret's name. */
  private Set<ResourceID> ownersOf(Secret s) {
    Set<ResourceID> ids = new HashSet<>();
    String owner = s.getMetadata().getAnnotations() == null ? null : s.getMetadata().getAnnotations().get(Labels.OWNER_ANNOTATION);
    if (owner != null && owner.contains("/")) {
      ids.add(new ResourceID(owner.substring(owner.indexOf('/') + 1), owner.substring(0, owner.indexOf('/'))));
    }
    if (replicator != null) {
      ids.addAll(replicator.claimantsOf(ResourceID.fromResource(s)));
    }
    return ids;
  }

  @Override
  public UpdateControl<RegistryCredential> reconcile(RegistryCredential rc, Context<RegistryCredential> context) {
    Instant now = clock.instant();
    ResourceID id = ResourceID.fromResource(rc);
    String uid = rc.getMetadata().getUid();
    RegistryCredentialStatus old = rc.getStatus() == null ? new RegistryCredentialStatus() : rc.getStatus();
    Conditions conditions = new Conditions(old.getConditions(), rc.getMetadata().getGeneration(), now);
    RegistryCredentialStatus next = copyOf(old);
    next.setObservedGeneration(rc.getMetadata().getGeneration());
    List<String> configured = rc.getSpec() == null || rc.getSpec().getProvider() == null
        ? List.of() : rc.getSpec().getProvider().configured();
    next.setProvider(configured.size() == 1 ? configured.get(0) : null);

    // 1. The spec.
    Optional<CredentialProvider> provider = rc.getSpec() == null ? Optional.empty() : providers.forSpec(rc.getSpec().getProvider());
    Targets targets;
    RefreshSchedule schedule;
    String secretName;
    try {
      if (rc.getSpec() == null) {
        throw new InvalidSpec("spec is missing");
      }
      if (configured.size() != 1) {
        throw new InvalidSpec(configured.isEmpty()
            ? "spec.provider must set exactly one provider; none is set"
            : "spec.provider must set exactly one provider; found " + String.join(", ", configured));
      }
      if (provider.isEmpty()) {
        throw new InvalidSpec("provider '" + configured.get(0) + "' is not supported by this operator version");
      }
      secretName = secretName(rc);
      if (secretName.length() > 253 || !validSecretName(secretName)) {
        throw new InvalidSpec("secret name '" + (secretName.length() > 70 ? secretName.substring(0, 67) + "..." : secretName)
            + "' is not a valid Secret name: it must be a DNS subdomain (RFC 1123), dot-separated labels of lowercase"
            + " letters, digits and '-' that start and end with a letter or digit, at most 253 characters");
      }
      schedule = RefreshSchedule.of(rc.getSpec().getRefresh());
      targets = Targets.resolve(rc, namespaces.list(n -> true).toList(), config);
    } catch (InvalidSpec | LabelSelectors.InvalidSelectorException | RefreshSchedule.InvalidRefreshException e) {
      return stalled(rc, old, next, conditions, "InvalidSpec", e.getMessage());
    }

    // 2. Tenancy.
    String own = rc.getMetadata().getNamespace();
    if (!config.isTrusted(own) && Targets.requestsOtherNamespaces(rc)) {
      // No longer permitted to serve other namespaces: its Secrets there go at once.
      revokeUntargeted(rc, secretName, targets.namespaces().contains(own) ? Set.of(own) : Set.of(), now);
      return stalled(rc, old, next, conditions, Reasons.NOT_PERMITTED,
          "namespace '" + own + "' is not trusted to target other namespaces; target only '" + own
              + "' or ask an administrator to add '" + own + "' to the operator's trusted namespaces",
          untilEarliest(now, cleanupBackoff.nextRetry(uid).orElse(null)));
    }

    // 3. The credential: from the cache unless its inputs changed or its refresh is due.
    String inputs = inputs(rc, id);
    Optional<CredentialCache.Entry> cached = credentials.get(uid);
    ProviderException fetchError = null;
    CredentialCache.Entry entry;
    Hold hold = activeHold(uid, inputs, now);
    if (cached.isPresent() && cached.get().reusable(inputs, now)) {
      entry = cached.get();
    } else if (hold != null) {
      // Backing off after a failed fetch: no provider call; the last good credential still serves.
      fetchError = hold.error();
      entry = cached.filter(c -> !c.expired(now)).orElse(null);
    } else {
      try {
        entry = fetch(rc, id, provider.get(), schedule, now);
        credentials.put(uid, entry);
        holds.remove(uid);
        failures.remove(uid);
      } catch (ProviderException e) {
        fetchError = e;
        entry = cached.filter(c -> !c.expired(now)).orElse(null);
        LOG.warn("{}: {} provider failed: {}: {}", id, provider.get().name(), e.reason(), e.getMessage());
        holdAfterFailedFetch(rc, id, e);
      }
    }

    if (entry == null) {
      // Nothing usable: leave every Secret still targeted as it is; revoke the others all the same.
      revokeUntargeted(rc, secretName, targets.namespaces(), now);
      ProviderException e = Objects.requireNonNull(fetchError);
      boolean expired = cached.isPresent();
      String reason = expired ? "TokenExpired" : e.reason();
      String message = expired ? "the last credential expired and refresh failed: " + e.getMessage() : e.getMessage();
      conditions.set(Conditions.TOKEN_VALID, false, reason, message);
      conditions.set(Conditions.READY, false, reason, message);
      if (e.retryable()) {
        conditions.set(Conditions.RECONCILING, true, e.reason(), "retrying: " + e.getMessage());
        conditions.remove(Conditions.STALLED);
      } else {
        conditions.set(Conditions.STALLED, true, e.reason(), message);
        conditions.remove(Conditions.RECONCILING);
      }
      next.setConditions(conditions.toList());
      warnOnNewFailure(rc, conditions);
      return finish(rc, old, next, untilEarliest(now, e.retryable() ? fetchRetryAt(uid) : null,
          cleanupBackoff.nextRetry(uid).orElse(null)));
    }

    // 4. Replicate (namespaces backing off after their own failures wait), then revoke elsewhere.
    Replicator.Outcome outcome = replicate(rc, secretName, entry, targets, now);
    Replicator.Outcome revoked = revokeUntargeted(rc, secretName, targets.namespaces(), now);
    List<NamespaceResult> problems = new ArrayList<>();
    targets.notWatched().forEach(ns -> problems.add(new NamespaceResult(ns, NamespaceResult.Status.FAILED, "NotWatched",
        "namespace is not among the operator's watched namespaces", 0)));
    outcome.results().stream().filter(r -> r.status() != NamespaceResult.Status.SYNCED).forEach(problems::add);
    problems.addAll(revoked.cleanupFailures());
    problems.sort(java.util.Comparator.comparing(NamespaceResult::namespace));

    int targeted = targets.namespaces().size() + targets.notWatched().size();
    int synced = (int) outcome.count(NamespaceResult.Status.SYNCED);
    long conflictCount = problems.stream().filter(p -> p.status() == NamespaceResult.Status.CONFLICT).count();
    boolean retryableFailures = problems.stream().anyMatch(p -> p.status() == NamespaceResult.Status.FAILED && !"NotWatched".equals(p.reason()));

    next.setRegistries(entry.credential().registries());
    next.setExpiresAt(format(entry.credential().expiresAt()));
    next.setLastRefreshTime(format(entry.obtainedAt()));
    next.setNextRefreshTime(format(entry.nextRefresh()));
    next.setNamespaces(new NamespaceCounts(targeted, synced, problems.size()));
    next.setFailedNamespaces(problems.isEmpty() ? null : problems.stream().limit(FAILED_NAMESPACES_SHOWN)
        .map(p -> new FailedNamespace(p.namespace(), p.reason(), p.message())).toList());

    String validity = validity(entry, schedule);
    conditions.set(Conditions.TOKEN_VALID, true, "Valid",
        fetchError == null ? validity : validity + "; last refresh failed: " + fetchError.getMessage());
    if (entry.verified() == null) {
      conditions.remove(Conditions.VERIFIED);
    } else if (entry.verified().ok()) {
      conditions.set(Conditions.VERIFIED, true, "Verified", entry.verified().message());
    } else {
      int code = entry.verified().httpStatus();
      String reason = entry.verified().reason() != null ? entry.verified().reason() : switch (code) {
        case 0 -> "Unreachable";
        case 401 -> "Unauthorized";
        case 403 -> "Forbidden";
        default -> "UnexpectedStatus";
      };
      conditions.set(Conditions.VERIFIED, false, reason,
          (code == 0 ? "" : "HTTP " + code + ": ") + entry.verified().message());
    }
    String counts = synced + "/" + targeted + " namespaces";
    if (problems.isEmpty()) {
      conditions.set(Conditions.SYNCED, true, "Synced", targeted == 0 ? "no namespace matches the targets" : counts);
    } else {
      String reason = conflictCount == problems.size() ? "Conflict" : "SyncFailed";
      conditions.set(Conditions.SYNCED, false, reason, counts + "; " + summarize(problems));
    }

    boolean inputBroken = fetchError != null && !fetchError.retryable();
    if (inputBroken) {
      conditions.set(Conditions.READY, false, fetchError.reason(), fetchError.getMessage() + "; replicated Secrets keep the last good credential");
    } else if (!problems.isEmpty()) {
      StatusCondition s = conditions.get(Conditions.SYNCED).orElseThrow();
      conditions.set(Conditions.READY, false, s.getReason(), s.getMessage());
    } else {
      conditions.set(Conditions.READY, true, "Synced", (targeted == 0 ? "no namespace matches the targets" : counts) + "; " + validity);
    }
    if (retryableFailures || (fetchError != null && fetchError.retryable())) {
      String msg = fetchError != null && fetchError.retryable()
          ? "refresh failed, retrying: " + fetchError.getMessage()
          : "retrying namespaces that failed";
      conditions.set(Conditions.RECONCILING, true, fetchError != null && fetchError.retryable() ? fetchError.reason() : "Retrying", msg);
    } else {
      conditions.remove(Conditions.RECONCILING);
    }
    if (inputBroken) {
      conditions.set(Conditions.STALLED, true, fetchError.reason(), fetchError.getMessage());
    } else if (conflictCount > 0) {
      conditions.set(Conditions.STALLED, true, "Conflict", conflictCount + " namespace(s) hold a Secret named '" + secretName + "' that this RegistryCredential does not manage");
    } else {
      conditions.remove(Conditions.STALLED);
    }
    next.setConditions(conditions.toList());

    // 5. Events: on writes, new conflicts and new failures; never per retry.
    int writes = outcome.writes() + revoked.writes();
    if (writes > 0) {
      events.normal(rc, "Synced", "Secret '" + secretName + "': " + counts + " synced (" + writes + " objects written)");
    }
    Set<String> oldConflicts = old.getFailedNamespaces() == null ? Set.of() : old.getFailedNamespaces().stream()
        .filter(f -> "Conflict".equals(f.getReason())).map(FailedNamespace::getNamespace).collect(Collectors.toSet());
    List<NamespaceResult> newConflicts = problems.stream()
        .filter(p -> p.status() == NamespaceResult.Status.CONFLICT && !oldConflicts.contains(p.namespace())).toList();
    String warned = warnOnNewFailure(rc, conditions);
    if (!newConflicts.isEmpty() && !"Conflict".equals(warned)) {
      events.warning(rc, "Conflict", summarize(newConflicts));
    }
    if (fetchError != null && fetchError.retryable()) {
      StatusCondition before = conditions.previous(Conditions.RECONCILING).orElse(null);
      if (before == null || !fetchError.reason().equals(before.getReason())) {
        events.warning(rc, "RefreshFailed", fetchError.reason() + ": " + fetchError.getMessage() + "; " + validity + ", retrying");
      }
    }

    Duration after = nextReconcile(uid, entry, fetchError, conflictCount > 0, now);
    listener.synced(rc, next);
    return finish(rc, old, next, after);
  }

  @Override
  public DeleteControl cleanup(RegistryCredential rc, Context<RegistryCredential> context) {
    ResourceID id = ResourceID.fromResource(rc);
    Replicator.Outcome outcome = replicator.removeAll(rc);
    if (!outcome.cleanupComplete()) {
      LOG.warn("{}: cleanup incomplete in {} namespace(s); retrying", id, outcome.cleanupFailures().size());
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(backoff(rc.getMetadata().getUid()));
    }
    sources.retainOnly(id, Set.of());
    credentials.remove(rc.getMetadata().getUid());
    failures.remove(rc.getMetadata().getUid());
    holds.remove(rc.getMetadata().getUid());
    namespaceBackoff.forget(rc.getMetadata().getUid());
    cleanupBackoff.forget(rc.getMetadata().getUid());
    replicator.forget(id);
    listener.deleted(rc);
    LOG.info("{}: removed its Secrets and service account entries", id);
    return DeleteControl.defaultDelete();
  }

  private CredentialCache.Entry fetch(RegistryCredential rc, ResourceID id, CredentialProvider provider,
      RefreshSchedule schedule, Instant now) throws ProviderException {
    String ns = rc.getMetadata().getNamespace();
    Set<ResourceID> read = new HashSet<>();
    Map<String, String> readVersions = new ConcurrentHashMap<>();
    SourceSecrets secrets = name -> {
      read.add(new ResourceID(name, ns));
      Optional<Secret> secret = sources.get(id, ns, name);
      recordVersionRead(readVersions, name, secret);
      return secret;
    };
    long start = System.nanoTime();
    try {
      Credential credential = provider.fetch(new ProviderRequest(rc, secrets, config.isTrusted(ns), config.allowedEndpointHosts(), clock));
      int size = credential.dockerConfigJson().length;
      if (size > MAX_DOCKER_CONFIG_BYTES) {
        throw ProviderException.invalid(Reasons.INVALID_SOURCE,
            "the rendered .dockerconfigjson is " + size + " bytes; a Secret holds at most 1 MiB");
      }
      listener.refreshed(rc, provider.name(), true, "Success", Duration.ofNanos(System.nanoTime() - start), credential.expiresAt());
      Instant nextRefresh = schedule.next(now, credential.expiresAt(), jitter.getAsDouble());
      // Probe the registry once per new credential; the answer never fails the sync.
      RegistryVerifier.Result verified = Boolean.TRUE.equals(rc.getSpec().getVerify()) ? verifier.verify(credential) : null;
      LOG.info("{}: obtained credential from provider {} for {} registr{}", id, provider.name(),
          credential.registries().size(), credential.registries().size() == 1 ? "y" : "ies");
      // The versions the provider read, not the current ones: a source that changed during the
      // fetch (or the probe) then differs from the cache entry, and the next reconcile fetches again.
      return new CredentialCache.Entry(credential, fingerprint(rc, readVersions), now, nextRefresh, verified);
    } catch (ProviderException e) {
      listener.refreshed(rc, provider.name(), false, e.reason(), Duration.ofNanos(System.nanoTime() - start), null);
      throw e;
    } catch (RuntimeException e) {
      listener.refreshed(rc, provider.name(), false, Reasons.PROVIDER_UNAVAILABLE, Duration.ofNanos(System.nanoTime() - start), null);
      LOG.warn("{}: provider {} failed unexpectedly: {}", id, provider.name(), e.getClass().getSimpleName());
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE,
          "provider " + provider.name() + " failed unexpectedly (" + e.getClass().getSimpleName() + ")");
    } finally {
      sources.retainOnly(id, read);
    }
  }

  /** "token valid until ..." (or "does not expire"), and whether refresh.before had to be clamped. */
  private static String validity(CredentialCache.Entry entry, RefreshSchedule schedule) {
    Instant expiresAt = entry.credential().expiresAt();
    if (expiresAt == null) {
      return "credential does not expire";
    }
    return "token valid until " + format(expiresAt)
        + schedule.clampNote(entry.obtainedAt(), expiresAt).map(note -> "; " + note).orElse("");
  }

  /** The failed fetch being backed off from, while its inputs are unchanged; null otherwise. */
  private Hold activeHold(String uid, String inputs, Instant now) {
    Hold hold = holds.get(uid);
    return hold != null && now.isBefore(hold.until()) && hold.inputs().equals(inputs) ? hold : null;
  }

  /** After a retryable fetch failure: no new provider call before the backoff, unless the inputs change. */
  private void holdAfterFailedFetch(RegistryCredential rc, ResourceID id, ProviderException e) {
    String uid = rc.getMetadata().getUid();
    if (e.retryable()) {
      holds.put(uid, new Hold(clock.instant().plus(backoff(uid)), inputs(rc, id), e));
    } else {
      holds.remove(uid);
    }
  }

  private Instant fetchRetryAt(String uid) {
    Hold hold = holds.get(uid);
    return hold == null ? null : hold.until();
  }

  /**
   * Syncs every target namespace except those backing off after their own failure (they keep
   * their last failure until their backoff ends or what they should hold changes), so that one
   * failing namespace never delays drift repair or new objects in the others.
   */
  private Replicator.Outcome replicate(RegistryCredential rc, String secretName, CredentialCache.Entry entry,
      Targets targets, Instant now) {
    String uid = rc.getMetadata().getUid();
    String key = secretName + "|" + entry.inputs() + "|" + entry.obtainedAt();
    List<NamespaceResult> held = new ArrayList<>();
    for (String ns : targets.namespaces()) {
      namespaceBackoff.heldFailure(uid, ns, key, now).ifPresent(held::add);
    }
    Set<String> skip = held.stream().map(NamespaceResult::namespace).collect(Collectors.toSet());
    Replicator.Outcome synced = replicator.sync(rc, secretName, entry.credential().dockerConfigJson(), targets, skip);
    namespaceBackoff.retainOnly(uid, targets.namespaces());
    for (NamespaceResult r : synced.results()) {
      if (r.status() == NamespaceResult.Status.FAILED) {
        namespaceBackoff.failed(uid, r, key, now);
      } else {
        namespaceBackoff.succeeded(uid, r.namespace());
      }
    }
    List<NamespaceResult> results = new ArrayList<>(synced.results());
    results.addAll(held);
    return new Replicator.Outcome(results, List.of(), synced.writes());
  }

  /**
   * Removes this credential's Secrets and service account entries from every namespace not in
   * {@code keep}. Runs on every reconcile that can tell its targets, whatever the state of the
   * credential: revoking access never waits for a working credential.
   */
  private Replicator.Outcome revokeUntargeted(RegistryCredential rc, String secretName, Set<String> keep, Instant now) {
    String uid = rc.getMetadata().getUid();
    Replicator.Outcome outcome = replicator.removeUntargeted(rc, secretName, keep);
    Set<String> failing = outcome.cleanupFailures().stream().map(NamespaceResult::namespace).collect(Collectors.toSet());
    cleanupBackoff.retainOnly(uid, failing);
    outcome.cleanupFailures().forEach(f -> cleanupBackoff.failed(uid, f, "cleanup", now));
    return outcome;
  }

  /**
   * When to reconcile again after a sync: the earliest retry (a failed fetch, a namespace backing
   * off, a failed cleanup), but never after the token expires; else the next refresh, or the
   * conflict recheck.
   */
  private Duration nextReconcile(String uid, CredentialCache.Entry entry, ProviderException fetchError,
      boolean conflicts, Instant now) {
    Instant retryAt = earliest(fetchError != null && fetchError.retryable() ? fetchRetryAt(uid) : null,
        earliest(namespaceBackoff.nextRetry(uid).orElse(null), cleanupBackoff.nextRetry(uid).orElse(null)));
    Instant at = earliest(retryAt, entry.nextRefresh());
    if (retryAt != null && entry.credential().expiresAt() != null && !entry.credential().expiresAt().isBefore(now)) {
      at = earliest(at, entry.credential().expiresAt().plusSeconds(1));
    }
    Duration after = at == null ? null : Duration.between(now, at);
    if (conflicts && (after == null || after.compareTo(conflictRecheck) > 0)) {
      after = conflictRecheck;
    }
    return after;
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
  }

  /** The time until the earliest of these instants (null: none). */
  private static Duration untilEarliest(Instant now, Instant... instants) {
    Instant at = null;
    for (Instant i : instants) {
      at = earliest(at, i);
    }
    return at == null ? null : Duration.between(now, at);
  }

  /** Fingerprint of the current inputs: spec generation, refresh request, watched source versions. */
  private String inputs(RegistryCredential rc, ResourceID id) {
    return fingerprint(rc, sources.usedBy(id).stream().collect(Collectors.toMap(
        r -> r.getName(), r -> sources.version(r.getNamespace().orElse(""), r.getName()))));
  }

  /** Spec generation, refresh request, and source Secret name to resourceVersion ("" when absent). */
  private static String fingerprint(RegistryCredential rc, Map<String, String> sourceVersions) {
    StringBuilder sb = new StringBuilder();
    sb.append(rc.getMetadata().getGeneration()).append('|');
    Map<String, String> annotations = rc.getMetadata().getAnnotations();
    sb.append(annotations == null ? "" : Objects.toString(annotations.get(Labels.REFRESH_REQUESTED_ANNOTATION), "")).append('|');
    new TreeMap<>(sourceVersions).forEach((k, v) -> sb.append(k).append('=').append(v).append(','));
    return sb.toString();
  }

  /** Notes the version of a source as a provider read it; read twice in different versions, it never matches. */
  private static void recordVersionRead(Map<String, String> readVersions, String name, Optional<Secret> secret) {
    String version = secret.map(s -> s.getMetadata().getResourceVersion()).orElse("");
    readVersions.merge(name, version, (a, b) -> a.equals(b) ? a : "changed-during-fetch");
  }

  private UpdateControl<RegistryCredential> stalled(RegistryCredential rc, RegistryCredentialStatus old,
      RegistryCredentialStatus next, Conditions conditions, String reason, String message) {
    return stalled(rc, old, next, conditions, reason, message, null);
  }

  private UpdateControl<RegistryCredential> stalled(RegistryCredential rc, RegistryCredentialStatus old,
      RegistryCredentialStatus next, Conditions conditions, String reason, String message, Duration retry) {
    conditions.set(Conditions.READY, false, reason, message);
    conditions.set(Conditions.STALLED, true, reason, message);
    conditions.remove(Conditions.RECONCILING);
    next.setConditions(conditions.toList());
    warnOnNewFailure(rc, conditions);
    failures.remove(rc.getMetadata().getUid());
    return finish(rc, old, next, retry);
  }

  /** A Warning event when Ready turns False or changes its reason while False; the reason warned about, or null. */
  private String warnOnNewFailure(RegistryCredential rc, Conditions conditions) {
    StatusCondition now = conditions.get(Conditions.READY).orElse(null);
    StatusCondition before = conditions.previous(Conditions.READY).orElse(null);
    if (now == null || "True".equals(now.getStatus())) {
      return null;
    }
    if (before == null || !"False".equals(before.getStatus()) || !Objects.equals(before.getReason(), now.getReason())) {
      events.warning(rc, now.getReason(), now.getMessage());
      return now.getReason();
    }
    return null;
  }

  /** Whether JOSDK writes status with server-side apply (the default; off only on the CRUD mock). */
  private volatile boolean ssaStatus = true;

  private UpdateControl<RegistryCredential> finish(RegistryCredential rc, RegistryCredentialStatus old,
      RegistryCredentialStatus next, Duration rescheduleAfter) {
    listener.reconciled(rc);
    UpdateControl<RegistryCredential> control;
    if (Serialization.asJson(old).equals(Serialization.asJson(next))) {
      control = UpdateControl.noUpdate();
    } else {
      RegistryCredential patch = new RegistryCredential();
      if (ssaStatus) {
        // Server-side apply: name and status only. A resourceVersion would turn the apply into an
        // optimistic-lock write that fails with 409 whenever the cache lags.
        patch.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName(rc.getMetadata().getName()).withNamespace(rc.getMetadata().getNamespace()).build());
      } else {
        patch.setMetadata(rc.getMetadata());
        patch.setSpec(rc.getSpec());
      }
      patch.setStatus(next);
      control = UpdateControl.patchStatus(patch);
    }
    if (rescheduleAfter != null) {
      control.rescheduleAfter(rescheduleAfter.isNegative() ? Duration.ZERO : rescheduleAfter);
    }
    return control;
  }

  private Duration backoff(String uid) {
    int attempt = failures.merge(uid, 1, Integer::sum);
    long seconds = MIN_BACKOFF.getSeconds() << Math.min(attempt - 1, 20);
    return seconds > MAX_BACKOFF.getSeconds() ? MAX_BACKOFF : Duration.ofSeconds(seconds);
  }

  /** The managed Secret's name: spec.secretName, else the resource's name. */
  public static String secretName(RegistryCredential rc) {
    String name = rc.getSpec().getSecretName();
    return name == null || name.isBlank() ? rc.getMetadata().getName() : name;
  }

  private static String summarize(List<NamespaceResult> problems) {
    Map<String, Long> byReason = problems.stream().collect(Collectors.groupingBy(NamespaceResult::reason, TreeMap::new, Collectors.counting()));
    String counts = byReason.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
    NamespaceResult first = problems.get(0);
    return counts + " (first: " + first.namespace() + ": " + first.message() + ")";
  }

  private static String format(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static RegistryCredentialStatus copyOf(RegistryCredentialStatus s) {
    return Serialization.unmarshal(Serialization.asJson(s), RegistryCredentialStatus.class);
  }

  private static final class InvalidSpec extends Exception {
    InvalidSpec(String message) {
      super(message, null, false, false);
    }
  }

  /** The cluster as the informers see it. */
  private final class InformerView implements ClusterView {
    @Override
    public Collection<Namespace> namespaces() {
      return namespaces.list(n -> true).toList();
    }

    @Override
    public Optional<Namespace> namespace(String name) {
      return namespaces.get(new ResourceID(name));
    }

    @Override
    public Optional<Secret> managedSecret(String namespace, String name) {
      return managedSecrets.get(new ResourceID(name, namespace));
    }

    @Override
    public List<Secret> managedSecretsOf(String credentialUid) {
      return managedSecrets.byIndex(Labels.CREDENTIAL_UID, credentialUid);
    }

    @Override
    public List<ServiceAccount> serviceAccounts(String namespace) {
      // By index: a namespace's service accounts without scanning the whole cache.
      return serviceAccounts.byIndex(BY_NAMESPACE, namespace);
    }
  }
}
