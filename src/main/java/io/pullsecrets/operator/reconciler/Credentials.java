package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.SourceSecrets;
import io.pullsecrets.operator.reconciler.RegistryCredentialReconciler.RefreshListener;
import io.pullsecrets.operator.spec.RefreshSchedule;
import io.pullsecrets.operator.verify.RegistryVerifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Phase 3 of a reconcile: the credential, from the cache unless its inputs changed or its refresh
 * is due; from the provider otherwise, unless a failed fetch is still backing off.
 */
final class Credentials {
  private static final Logger LOG = LoggerFactory.getLogger(Credentials.class);
  /** A Secret holds at most 1 MiB; leave room for metadata. */
  static final int MAX_DOCKER_CONFIG_BYTES = 1_000_000;
  private static final String FETCH = "fetch";

  /**
   * What phase 3 found.
   *
   * @param entry the credential to serve (null: none usable)
   * @param error the fetch that failed (now, or earlier and still backing off), or null
   * @param expired no usable credential because the last one expired
   */
  record Obtained(CredentialCache.Entry entry, ProviderException error, boolean expired) {}

  private final OperatorConfig config;
  private final Clock clock;
  private final DoubleSupplier jitter;
  private final RefreshListener listener;
  private final RegistryVerifier verifier;
  private final SourceSecretWatcher sources;
  private final CredentialStates states;

  Credentials(OperatorConfig config, Clock clock, DoubleSupplier jitter, RefreshListener listener,
      RegistryVerifier verifier, SourceSecretWatcher sources, CredentialStates states) {
    this.config = config;
    this.clock = clock;
    this.jitter = jitter;
    this.listener = listener;
    this.verifier = verifier;
    this.sources = sources;
    this.states = states;
  }

  Obtained obtain(CredentialResource<?> rc, CredentialProvider provider, RefreshSchedule schedule, Instant now) {
    ResourceID id = ResourceID.fromResource(rc);
    CredentialState state = states.of(rc);
    String inputs = inputs(rc, id);
    Optional<CredentialCache.Entry> cached = Optional.ofNullable(state.credential);
    if (cached.isPresent() && cached.get().reusable(inputs, now)) {
      return new Obtained(cached.get(), cached.get().credential().partialFailure(), false);
    }
    Optional<ProviderException> held = state.fetchBackoff.held(FETCH, inputs, now);
    if (held.isEmpty()) {
      try {
        Credential previous = cached.filter(c -> !c.expired(now)).map(CredentialCache.Entry::credential).orElse(null);
        CredentialCache.Entry entry = fetch(rc, id, provider, schedule, previous, now);
        ProviderException partial = entry.credential().partialFailure();
        if (partial == null) {
          state.fetchBackoff.succeeded(FETCH);
        } else {
          // Served in part: the failed part is retried with backoff, the rest is served meanwhile.
          failed(rc, id, state, provider, partial, now);
          Instant retry = state.fetchBackoff.nextRetry().orElse(null);
          if (retry != null && (entry.nextRefresh() == null || retry.isBefore(entry.nextRefresh()))) {
            entry = new CredentialCache.Entry(entry.credential(), entry.inputs(), entry.obtainedAt(), retry, entry.verified());
          }
        }
        state.credential = entry;
        return new Obtained(entry, partial, false);
      } catch (ProviderException e) {
        failed(rc, id, state, provider, e, now);
        held = Optional.of(e);
      }
    }
    // No provider call (backing off) or a failed one: the last good credential still serves.
    CredentialCache.Entry usable = cached.filter(c -> !c.expired(now)).orElse(null);
    return new Obtained(usable, held.get(), usable == null && cached.isPresent());
  }

  /** Logged once per burst: at WARN when the fetch starts failing, at DEBUG while it goes on. */
  private void failed(CredentialResource<?> rc, ResourceID id, CredentialState state, CredentialProvider provider,
      ProviderException e, Instant now) {
    boolean first = state.fetchBackoff.nextRetry().isEmpty();
    if (first) {
      LOG.warn("provider {} failed: {}: {}", provider.name(), e.reason(), e.getMessage());
    } else {
      LOG.debug("provider {} failed again: {}: {}", provider.name(), e.reason(), e.getMessage());
    }
    if (e.retryable()) {
      // Keyed on the inputs after the fetch: a source it started reading is part of them.
      state.fetchBackoff.failed(FETCH, e, null, inputs(rc, id), now);
    } else {
      state.fetchBackoff.succeeded(FETCH);
    }
  }

  private CredentialCache.Entry fetch(CredentialResource<?> rc, ResourceID id, CredentialProvider provider,
      RefreshSchedule schedule, Credential previous, Instant now) throws ProviderException {
    // Checked by SpecCheck: the credential's own namespace, or a source namespace an administrator allowed.
    String ns = rc.sourceNamespace();
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
      Credential credential = provider.fetch(
          new ProviderRequest(rc, secrets, rc.clusterScoped() || config.isTrusted(ns), config.allowedEndpointHosts(), clock, previous));
      checkSize(credential);
      listener.refreshed(rc, provider.name(), true, "Success", Duration.ofNanos(System.nanoTime() - start), credential.expiresAt());
      Instant nextRefresh = schedule.next(now, credential.expiresAt(), jitter.getAsDouble());
      // Probe the registry once per new credential; the answer never fails the sync.
      RegistryVerifier.Result verified = Boolean.TRUE.equals(rc.getSpec().getVerify()) ? verifier.verify(credential) : null;
      LOG.info("obtained credential from provider {} for {} registr{}", provider.name(),
          credential.registries().size(), credential.registries().size() == 1 ? "y" : "ies");
      // The versions the provider read, not the current ones: a source that changed during the
      // fetch (or the probe) then differs from the cache entry, and the next reconcile fetches again.
      return new CredentialCache.Entry(credential, fingerprint(rc, readVersions), now, nextRefresh, verified);
    } catch (ProviderException e) {
      listener.refreshed(rc, provider.name(), false, e.reason(), Duration.ofNanos(System.nanoTime() - start), null);
      throw e;
    } catch (RuntimeException e) {
      listener.refreshed(rc, provider.name(), false, Reasons.PROVIDER_UNAVAILABLE, Duration.ofNanos(System.nanoTime() - start), null);
      LOG.warn("provider {} failed unexpectedly: {}", provider.name(), e.getClass().getSimpleName());
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE,
          "provider " + provider.name() + " failed unexpectedly (" + e.getClass().getSimpleName() + ")");
    } finally {
      sources.retainOnly(id, read);
    }
  }

  private static void checkSize(Credential credential) throws ProviderException {
    int size = credential.dockerConfigJson().length;
    if (size > MAX_DOCKER_CONFIG_BYTES) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE,
          "the rendered .dockerconfigjson is " + size + " bytes; a Secret holds at most 1 MiB");
    }
  }

  /** Fingerprint of the current inputs: spec generation, refresh request, watched source versions. */
  private String inputs(CredentialResource<?> rc, ResourceID id) {
    return fingerprint(rc, sources.usedBy(id).stream().collect(Collectors.toMap(
        r -> r.getName(), r -> sources.version(r.getNamespace().orElse(""), r.getName()))));
  }

  /** Spec generation, refresh request, and source Secret name to resourceVersion ("" when absent). */
  private static String fingerprint(CredentialResource<?> rc, Map<String, String> sourceVersions) {
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
}
