package io.pullsecrets.operator.provider.gitlab;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.GitLabProviderSpec;
import io.pullsecrets.operator.api.ProviderKind;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.RegistryLogin;
import io.pullsecrets.operator.provider.SecretData;
import io.pullsecrets.operator.provider.cloud.AdminEndpoint;
import io.pullsecrets.operator.provider.cloud.RegistryHost;
import io.pullsecrets.operator.verify.RegistryVerifier;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A GitLab project or group access token with the {@code read_registry} scope only, owned by the
 * operator: created with the admin token of the credential's Secret, rotated through GitLab's
 * rotate endpoint (which revokes the old token as it creates the new one) on every refresh, and
 * revoked when the RegistryCredential is deleted. The Secret's expiry is the token's
 * {@code expires_at} (00:00 UTC that day), so the refresh is expiry-driven.
 *
 * <p>The rules (docs/providers-more.md):
 * <ul>
 *   <li><b>One live token.</b> GitLab's rotate revokes the old token in the same transaction that
 *       creates the new one. Before each rotation, any other active token with this credential's
 *       token name (one whose answer was lost) is revoked: no unknown token stays alive.
 *   <li><b>One mint per refresh.</b> The call about to be made (rotate token N, or create, until
 *       day D) is written to the state Secret before it is made, and the answer right after it
 *       comes, before the Secrets are written. A fetch that is not a refresh (the first after a
 *       restart) reuses the stored token while GitLab says it is active. A restart between the
 *       two writes leaves the intent: GitLab is asked about N; still active, the call never took
 *       effect and is made again (same key); revoked, its answer was lost, and the successor is
 *       found by name and rotated in turn, which revokes it. GitLab has no idempotency key, so
 *       that lost answer is the one case of a second mint; it never leaves a second live token.
 *   <li><b>Revoked on deletion, bounded.</b> The admin token and endpoint are held in memory from
 *       the last fetch, so revocation works while the namespace is Terminating and its Secrets
 *       are gone. Attempts stop {@link #DEFAULT_RELEASE_BOUND} after the deletion began (or at
 *       once when no admin token is known, after a restart): the finalizer is released and a
 *       warning names the token and the day it expires by itself.
 *   <li><b>Token lending stays closed.</b> The admin token goes to the host of the same
 *       credential's {@code url} only ({@link AdminEndpoint}).
 * </ul>
 */
public final class GitLabCredentialProvider implements CredentialProvider {
  private static final Logger LOG = LoggerFactory.getLogger(GitLabCredentialProvider.class);
  public static final String TOKEN_KEY = "token";
  /** The reason of the warning Event when the token could not be revoked. */
  public static final String REVOCATION_FAILED = "RevocationFailed";
  public static final int DEFAULT_LIFETIME_DAYS = 7;
  public static final String DEFAULT_USERNAME = "pullsecret-operator";
  public static final Duration DEFAULT_RELEASE_BOUND = Duration.ofMinutes(1);
  static final Duration RELEASE_RETRY = Duration.ofSeconds(5);
  private static final int TIMEOUT_SECONDS = 15;

  /** What revocation needs, from the last fetch: where, with what, and which scope. */
  private record Admin(AdminEndpoint endpoint, String token, String scope) {
    @Override
    public String toString() {
      return "Admin[" + endpoint + ", " + scope + "]";
    }
  }

  /** Per credential uid: the admin login of the last fetch and the last state written. */
  private static final class Held {
    volatile Admin admin;
    volatile TokenState state;
  }

  private final TokenStore store;
  private final RegistryVerifier.Resolver resolver;
  private final SSLContext tls;
  private final Duration releaseBound;
  private final Map<String, Held> held = new ConcurrentHashMap<>();

  /** Production: state on the API server, the system resolver, the JVM's TLS settings. */
  public GitLabCredentialProvider(KubernetesClient client) {
    this(TokenStore.kubernetes(client), InetAddress::getAllByName, defaultTls(), DEFAULT_RELEASE_BOUND);
  }

  GitLabCredentialProvider(TokenStore store, RegistryVerifier.Resolver resolver, SSLContext tls, Duration releaseBound) {
    this.store = Objects.requireNonNull(store, "store");
    this.resolver = Objects.requireNonNull(resolver, "resolver");
    this.tls = Objects.requireNonNull(tls, "tls");
    this.releaseBound = Objects.requireNonNull(releaseBound, "releaseBound");
  }

  /** For tests: the state on the API server, and the given resolver, TLS and release bound. */
  public static GitLabCredentialProvider of(KubernetesClient client, RegistryVerifier.Resolver resolver, SSLContext tls,
      Duration releaseBound) {
    return new GitLabCredentialProvider(TokenStore.kubernetes(client), resolver, tls, releaseBound);
  }

  private static SSLContext defaultTls() {
    try {
      return SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("no default TLS context", e);
    }
  }

  @Override
  public ProviderKind kind() {
    return ProviderKind.GITLAB;
  }

  /** The name of the token this credential owns: its namespace/name and uid (unique, and how a lost token is found). */
  static String tokenName(CredentialResource<?> rc) {
    String where = rc.ownerKey();
    if (where.length() > 180) {
      where = where.substring(0, 180);
    }
    return "pullsecret-operator " + where + " " + rc.getMetadata().getUid();
  }

  @Override
  public Credential fetch(ProviderRequest request) throws ProviderException {
    CredentialResource<?> rc = request.resource();
    GitLabProviderSpec spec = request.resource().getSpec().getProvider().getGitlab();
    String scope = scope(spec);
    int lifetime = spec.getLifetimeDays() == null ? DEFAULT_LIFETIME_DAYS : spec.getLifetimeDays();
    if (lifetime < 2 || lifetime > 365) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC, "spec.provider.gitlab.lifetimeDays must be 2 to 365");
    }
    String registry = RegistryHost.parse(spec.getRegistry() == null ? "" : spec.getRegistry()).map(RegistryHost::name)
        .orElseThrow(() -> ProviderException.invalid(Reasons.INVALID_SPEC, "spec.provider.gitlab.registry "
            + AdminEndpoint.quote(spec.getRegistry()) + " is not a host[:port]"));
    String username = spec.getUsername() == null || spec.getUsername().isBlank() ? DEFAULT_USERNAME : spec.getUsername();
    AdminEndpoint endpoint = AdminEndpoint.check(request.allowedEndpointHosts(), resolver, "spec.provider.gitlab.url",
        "GitLab", spec.getUrl());
    Secret adminSecret = SecretData.require(request.secrets(), spec.getAdminSecretRef() == null ? null
        : spec.getAdminSecretRef().getName());
    Admin admin = new Admin(endpoint, SecretData.text(adminSecret, TOKEN_KEY), scope);
    Held h = held.computeIfAbsent(rc.getMetadata().getUid(), k -> new Held());
    h.admin = admin; // kept for revocation: the Secret may be gone when the credential is deleted

    TokenState state = h.state != null ? h.state : store.read(rc);
    String refreshRequest = annotation(rc);
    LocalDate today = LocalDate.ofInstant(request.clock().instant(), ZoneOffset.UTC);
    try (GitLabApi api = api(admin)) {
      if (state != null && !state.scope().equals(scope)) {
        revokeElsewhere(admin, state); // the spec moved to another project or group
        state = null;
      }
      if (request.previous() == null && state != null && state.rotating() == null && state.token() != null
          && state.tokenId() > 0 && refreshRequest.equals(state.refreshRequest())) {
        GitLabApi.Token current = api.get(state.tokenId());
        if (current != null && current.active() && tokenName(rc).equals(current.name())
            && Objects.equals(current.expiresAt(), state.expiresAt())
            && TokenState.expiry(state.expiresAt()).isAfter(request.clock().instant())) {
          h.state = state;
          return credential(registry, username, state); // not a refresh: no mint
        }
      }
      TokenState minted = mint(rc, api, state, scope, today.plusDays(lifetime), refreshRequest, request.clock().instant());
      h.state = minted;
      return credential(registry, username, minted);
    }
  }

  /** Rotates the live token (or creates one), after recording the intent; returns the state with the new token. */
  private TokenState mint(CredentialResource<?> rc, GitLabApi api, TokenState state, String scope, LocalDate until,
      String refreshRequest, Instant now) throws ProviderException {
    String name = tokenName(rc);
    long from = state == null ? 0 : (state.rotating() != null ? state.rotating().from() : state.tokenId());
    GitLabApi.Token live = from > 0 ? api.get(from) : null;
    if (live != null && !(live.active() && name.equals(live.name()))) {
      live = null; // revoked or expired; or not this credential's token (a state Secret edited by hand): left alone
    }
    if (state != null && state.rotating() != null && live == null && from > 0) {
      LOG.warn("GitLab token {} of {} was rotated but the answer was lost ({}): its successor is rotated in turn",
          from, scope, state.rotating().key());
    }
    List<GitLabApi.Token> others = new java.util.ArrayList<>(api.active(name));
    final long liveId = live == null ? 0 : live.id();
    others.removeIf(t -> t.id() == liveId);
    if (live == null && !others.isEmpty()) {
      others.sort(Comparator.comparingLong(GitLabApi.Token::id));
      live = others.remove(others.size() - 1);
    }
    for (GitLabApi.Token unknown : others) {
      api.revoke(unknown.id()); // a token of this credential whose value the operator does not hold
    }
    TokenState.Intent intent = new TokenState.Intent(live == null ? 0 : live.id(), until, now);
    TokenState base = state == null ? new TokenState(scope, 0, null, null, refreshRequest, null) : state;
    store.write(rc, base.withIntent(intent)); // durable before the call: a restart finds it
    GitLabApi.Token next;
    if (live == null) {
      next = api.create(name, "Pulls images for " + rc.describe()
          + " (pullsecret-operator rotates and revokes it)", until);
    } else {
      try {
        next = api.rotate(live.id(), until);
      } catch (ProviderException e) {
        // Revoked or expired meanwhile (GitLab answers 400 or 401): the next attempt asks again.
        throw e.retryable() ? e : ProviderException.transientFailure(e.reason(), e.getMessage());
      }
    }
    TokenState done = new TokenState(scope, next.id(), next.token(), next.expiresAt() == null ? until : next.expiresAt(),
        refreshRequest, null);
    try {
      store.write(rc, done);
    } catch (ProviderException e) {
      // Held in memory and served; the intent left behind is resolved by the rule above after a restart.
      LOG.warn("the state of GitLab token {} could not be written: {}", next.id(), e.getMessage());
    }
    LOG.info("GitLab token {} of {} {} (expires {})", next.id(), scope, live == null ? "created" : "rotated from " + live.id(),
        done.expiresAt());
    return done;
  }

  /** The token of a state for another project or group is revoked there (best effort: it is the operator's own). */
  private void revokeElsewhere(Admin admin, TokenState state) {
    if (state.tokenId() <= 0) {
      return;
    }
    try (GitLabApi old = api(new Admin(admin.endpoint(), admin.token(), state.scope()))) {
      old.revoke(state.tokenId());
    } catch (ProviderException e) {
      LOG.warn("GitLab token {} of {} could not be revoked: {}", state.tokenId(), state.scope(), e.getMessage());
    }
  }

  private static Credential credential(String registry, String username, TokenState state) {
    return Credential.of(List.of(new RegistryLogin(registry, username, state.token())), TokenState.expiry(state.expiresAt()));
  }

  private GitLabApi api(Admin admin) {
    return new GitLabApi(admin.endpoint(), admin.token(), admin.scope(), tls, TIMEOUT_SECONDS);
  }

  private static String annotation(CredentialResource<?> rc) {
    Map<String, String> a = rc.getMetadata().getAnnotations();
    return a == null ? "" : Objects.toString(a.get(Labels.REFRESH_REQUESTED_ANNOTATION), "");
  }

  static String scope(GitLabProviderSpec spec) throws ProviderException {
    boolean project = spec.getProject() != null && !spec.getProject().isBlank();
    boolean group = spec.getGroup() != null && !spec.getGroup().isBlank();
    if (project == group) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC, "spec.provider.gitlab must set exactly one of project and group");
    }
    String id = project ? spec.getProject().trim() : spec.getGroup().trim();
    if (!id.matches("[A-Za-z0-9._/-]{1,255}") || id.startsWith("/") || id.endsWith("/") || id.contains("..")) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC, "spec.provider.gitlab." + (project ? "project" : "group") + " "
          + AdminEndpoint.quote(id) + " is not a numeric ID or a full path");
    }
    return GitLabApi.scope(project, id);
  }

  /**
   * Revokes the token this credential owns (and any other active token with its name) with the
   * admin login of the last fetch, which every reconcile after a restart makes.
   * Gives up {@code releaseBound} after the deletion began, or at once when no admin token is
   * known, and reports through {@code warn}.
   */
  @Override
  public Duration release(CredentialResource<?> rc, Instant now, BiConsumer<String, String> warn) {
    String uid = rc.getMetadata().getUid();
    Held h = held.get(uid);
    TokenState state = h != null && h.state != null ? h.state : null;
    if (state == null) {
      try {
        state = store.read(rc);
      } catch (ProviderException e) {
        state = null;
      }
    }
    Admin admin = h == null ? null : h.admin;
    if (admin == null && state == null) {
      forget(rc);
      return null; // never fetched and nothing stored: nothing to revoke
    }
    String what = state == null || state.tokenId() <= 0 ? "the GitLab token of this credential"
        : "GitLab token " + state.tokenId() + " of " + state.scope();
    String expires = state == null || state.expiresAt() == null ? "" : "; it expires by itself on " + state.expiresAt();
    if (admin == null) {
      // Only after a restart, before the credential's first reconcile: that reconcile reads the admin Secret.
      giveUp(rc, warn, what + " could not be revoked: no admin token is known (the operator restarted and the"
          + " credential was deleted before its first refresh)" + expires);
      return null;
    }
    try (GitLabApi api = api(admin)) {
      // Only tokens with this credential's name: the state Secret names the token, the name proves it is ours.
      for (GitLabApi.Token t : api.active(tokenName(rc))) {
        api.revoke(t.id());
      }
      LOG.info("revoked {}", what);
      store.delete(rc);
      forget(rc);
      return null;
    } catch (ProviderException e) {
      Instant began = deletionStarted(rc, now);
      if (!now.isBefore(began.plus(releaseBound))) {
        giveUp(rc, warn, what + " could not be revoked within " + releaseBound.toSeconds() + "s of the deletion: "
            + e.getMessage() + expires);
        return null;
      }
      Duration left = Duration.between(now, began.plus(releaseBound));
      LOG.debug("{} not revoked yet: {}", what, e.getMessage());
      return left.compareTo(RELEASE_RETRY) < 0 ? left.plusMillis(100) : RELEASE_RETRY;
    }
  }

  private void giveUp(CredentialResource<?> rc, BiConsumer<String, String> warn, String message) {
    LOG.warn("{}: {}", rc.ownerKey(), message);
    warn.accept(REVOCATION_FAILED, message);
    store.delete(rc);
    forget(rc);
  }

  private void forget(CredentialResource<?> rc) {
    held.remove(rc.getMetadata().getUid());
  }

  private static Instant deletionStarted(CredentialResource<?> rc, Instant now) {
    try {
      return Instant.parse(rc.getMetadata().getDeletionTimestamp());
    } catch (RuntimeException e) {
      return now;
    }
  }
}
