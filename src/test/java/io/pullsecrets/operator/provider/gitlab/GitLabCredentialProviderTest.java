package io.pullsecrets.operator.provider.gitlab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.GitLabProviderSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.SecretReference;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.provider.cloud.TestTls;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real provider (its HTTP client, TLS, address checks, intent rule) against an HTTPS stub
 * that checks what GitLab's access token API checks ({@link GitLabStub}), and the attacks of a
 * tenant who names the URL the admin token is sent to.
 */
class GitLabCredentialProviderTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ADMIN = "glpat-admin-do-not-leak-0123456789";
  static final Instant NOW = Instant.parse("2030-01-10T12:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final LocalDate TODAY = LocalDate.of(2030, 1, 10);
  static final String REGISTRY = "registry.gitlab.example.com";

  @RegisterExtension final Closer closer = new Closer();
  GitLabStub gitlab;
  final Map<String, io.fabric8.kubernetes.api.model.Secret> sources = new HashMap<>();
  final io.pullsecrets.operator.provider.SourceSecrets secrets = name -> java.util.Optional.ofNullable(sources.get(name));
  final Map<String, InetAddress[]> dns = new HashMap<>();
  /** The durable state, as the API server would keep it. */
  final Map<String, TokenState> stored = new HashMap<>();
  final TokenStore store = new TokenStore() {
    @Override
    public TokenState read(io.pullsecrets.operator.api.CredentialResource<?> rc) {
      return stored.get(rc.getMetadata().getUid());
    }

    @Override
    public void write(io.pullsecrets.operator.api.CredentialResource<?> rc, TokenState state) {
      stored.put(rc.getMetadata().getUid(), state);
    }

    @Override
    public void delete(io.pullsecrets.operator.api.CredentialResource<?> rc) {
      stored.remove(rc.getMetadata().getUid());
    }
  };
  GitLabCredentialProvider provider;
  RegistryCredential rc;

  @BeforeEach
  void start() throws Exception {
    gitlab = closer.add(new GitLabStub(TestTls.serverContext(), CLOCK)).project(42, "team/app").group(7, "team/sub")
        .admin(ADMIN, "projects/42", "groups/7").admin("glpat-developer-000000000000", Set.of().toArray(String[]::new));
    adminToken(ADMIN);
    provider = newProvider(Duration.ofSeconds(30));
    rc = Fixtures.credential(spec(gitlab.url()));
  }

  GitLabCredentialProvider newProvider(Duration bound) throws Exception {
    return new GitLabCredentialProvider(store, this::resolve, TestTls.clientContext(), bound);
  }

  void adminToken(String token) {
    sources.put("gitlab-admin", Fixtures.secret("gitlab-admin", Map.of("token", token)));
  }

  InetAddress[] resolve(String host) throws UnknownHostException {
    InetAddress[] a = dns.get(host);
    if (a == null) {
      throw new UnknownHostException(host);
    }
    return a;
  }

  static ProviderSpec spec(String url) {
    GitLabProviderSpec g = new GitLabProviderSpec();
    g.setUrl(url);
    g.setProject("team/app");
    g.setRegistry(REGISTRY);
    g.setAdminSecretRef(new SecretReference("gitlab-admin"));
    ProviderSpec p = new ProviderSpec();
    p.setGitlab(g);
    return p;
  }

  ProviderRequest request(Credential previous, boolean trusted, String... allowed) {
    return new ProviderRequest(rc, secrets, trusted, Set.of(allowed), CLOCK, previous);
  }

  /** A fetch at the stub, whose loopback address an administrator allowed. */
  Credential fetch(Credential previous) throws ProviderException {
    return provider.fetch(request(previous, false, gitlab.server.hostPort()));
  }

  static String password(Credential c) throws Exception {
    return JSON.readTree(c.dockerConfigJson()).path("auths").path(REGISTRY).path("password").asText();
  }

  List<String> calls() {
    return gitlab.requests().stream().map(r -> r.method() + " " + r.path() + (r.query() == null ? "" : "?" + r.query())).toList();
  }

  List<GitLabStub.Token> liveTokensOfTheCredential() {
    return gitlab.active().stream().filter(t -> t.name.equals(GitLabCredentialProvider.tokenName(rc))).toList();
  }

  ProviderException refused(ProviderRequest request, String reason) {
    ProviderException e = (ProviderException) org.assertj.core.api.Assertions.catchThrowable(() -> provider.fetch(request));
    assertThat(e).as("fetch fails").isNotNull();
    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.getMessage()).doesNotContain(ADMIN);
    gitlab.tokens.values().forEach(t -> assertThat(e.getMessage()).doesNotContain(t.value));
    return e;
  }

  @Test
  void createsAReadRegistryTokenThenEachRefreshRotatesItAndTheOldOneIsDead() throws Exception {
    Credential first = fetch(null);
    String token1 = password(first);
    assertThat(first.registries()).containsExactly(REGISTRY);
    assertThat(JSON.readTree(first.dockerConfigJson()).path("auths").path(REGISTRY).path("username").asText())
        .isEqualTo(GitLabCredentialProvider.DEFAULT_USERNAME);
    // expires_at = today + 7 days; the Secret expires at 00:00 UTC that day.
    assertThat(first.expiresAt()).isEqualTo(Instant.parse("2030-01-17T00:00:00Z"));
    GitLabStub.Token created = liveTokensOfTheCredential().get(0);
    assertThat(created.scopes).containsExactly("read_registry");
    assertThat(created.accessLevel).isEqualTo(20);
    assertThat(created.expiresAt).isEqualTo(TODAY.plusDays(7));
    assertThat(gitlab.registryLogin(token1)).isTrue();
    JsonNode body = JSON.readTree(gitlab.requests().stream().filter(r -> r.method().equals("POST")).findFirst().orElseThrow().body());
    assertThat(body.path("expires_at").asText()).isEqualTo("2030-01-17");
    assertThat(gitlab.requests()).allSatisfy(r -> assertThat(r.header("PRIVATE-TOKEN")).isEqualTo(ADMIN));
    assertThat(calls()).containsExactly("GET /api/v4/projects/team%2Fapp/access_tokens?state=active&per_page=100",
        "POST /api/v4/projects/team%2Fapp/access_tokens");

    Credential second = fetch(first);
    String token2 = password(second);
    assertThat(token2).isNotEqualTo(token1);
    assertThat(gitlab.registryLogin(token2)).isTrue();
    assertThat(gitlab.registryLogin(token1)).as("the rotated token is revoked").isFalse();
    assertThat(liveTokensOfTheCredential()).hasSize(1);
    assertThat(gitlab.mints).extracting(GitLabStub.Mint::kind).containsExactly("create", "rotate");
    assertThat(calls().subList(2, calls().size())).containsExactly(
        "GET /api/v4/projects/team%2Fapp/access_tokens/" + created.id,
        "GET /api/v4/projects/team%2Fapp/access_tokens?state=active&per_page=100",
        "POST /api/v4/projects/team%2Fapp/access_tokens/" + created.id + "/rotate");
    assertThat(stored.get("uid-1").rotating()).as("the intent is cleared once the answer is stored").isNull();
    assertThat(stored.get("uid-1").tokenId()).isEqualTo(gitlab.mints.get(1).id());
    assertThat(second.toString()).doesNotContain(token2);
  }

  @Test
  void aFetchAfterARestartReusesTheStoredTokenWithoutMinting() throws Exception {
    Credential first = fetch(null);
    provider = newProvider(Duration.ofSeconds(30)); // a restart: memory gone, the state Secret stays
    Credential again = fetch(null);
    assertThat(password(again)).isEqualTo(password(first));
    assertThat(again.expiresAt()).isEqualTo(first.expiresAt());
    assertThat(gitlab.mints).hasSize(1);
    // A refresh asked for meanwhile (the annotation changed) does rotate.
    rc.getMetadata().setAnnotations(Map.of(Labels.REFRESH_REQUESTED_ANNOTATION, "now"));
    provider = newProvider(Duration.ofSeconds(30));
    assertThat(password(fetch(null))).isNotEqualTo(password(first));
    assertThat(gitlab.mints).hasSize(2);
    assertThat(liveTokensOfTheCredential()).hasSize(1);
  }

  @Test
  void aRestartAfterTheIntentButBeforeTheCallMakesTheSameRotationOnce() throws Exception {
    Credential first = fetch(null);
    long current = stored.get("uid-1").tokenId();
    // The intent of the next refresh was written, then the operator stopped before calling GitLab.
    stored.put("uid-1", stored.get("uid-1").withIntent(new TokenState.Intent(current, TODAY.plusDays(7), NOW)));
    provider = newProvider(Duration.ofSeconds(30));
    Credential recovered = fetch(null);
    assertThat(gitlab.mints).extracting(GitLabStub.Mint::kind).containsExactly("create", "rotate");
    assertThat(gitlab.mints.get(1).from()).isEqualTo(current);
    assertThat(password(recovered)).isEqualTo(gitlab.mints.get(1).value()).isNotEqualTo(password(first));
    assertThat(liveTokensOfTheCredential()).extracting(t -> t.value).containsExactly(password(recovered));
  }

  @Test
  void aRotationWhoseAnswerWasLostLeavesNoUnknownTokenAliveAfterARestart() throws Exception {
    Credential first = fetch(null);
    gitlab.loseNextAnswer = true;
    ProviderException lost = (ProviderException) org.assertj.core.api.Assertions.catchThrowable(() -> fetch(first));
    assertThat(lost.retryable()).isTrue();
    // GitLab rotated: the old token is dead, the new one alive, and its value is known to GitLab only.
    assertThat(gitlab.registryLogin(password(first))).isFalse();
    assertThat(liveTokensOfTheCredential()).hasSize(1);
    String unknown = liveTokensOfTheCredential().get(0).value;
    assertThat(stored.get("uid-1").rotating()).as("the intent survived").isNotNull();

    provider = newProvider(Duration.ofSeconds(30));
    Credential recovered = fetch(null);
    assertThat(gitlab.registryLogin(unknown)).as("the token whose answer was lost is revoked").isFalse();
    assertThat(liveTokensOfTheCredential()).extracting(t -> t.value).containsExactly(password(recovered));
    assertThat(gitlab.mints).extracting(GitLabStub.Mint::kind).containsExactly("create", "rotate", "rotate");
    assertThat(stored.get("uid-1").rotating()).isNull();
    // Had the operator rotated the revoked token, GitLab's reuse detection would have revoked the family.
    assertThat(gitlab.requests()).filteredOn(r -> r.path().endsWith("/" + gitlab.mints.get(0).id() + "/rotate")).hasSize(1);
  }

  @Test
  void aStateSecretLostOrEditedByTheTenantNeitherLeavesTwoLiveTokensNorBreaksTheRefresh() throws Exception {
    Credential first = fetch(null);
    assertThat(TokenState.parse("{\"scope\":1}")).isNull();
    assertThat(TokenState.parse("not json")).isNull();
    assertThat(TokenState.parse("{\"scope\":\"projects/42\",\"tokenId\":5,\"rotating\":{\"from\":\"x\"}}")).isNull();
    stored.clear(); // deleted, or unreadable: TokenStore reads it as absent
    provider = newProvider(Duration.ofSeconds(30));
    Credential next = fetch(first);
    // The credential's token is found by its name and rotated: one live token, and its value is known.
    assertThat(gitlab.mints).extracting(GitLabStub.Mint::kind).containsExactly("create", "rotate");
    assertThat(liveTokensOfTheCredential()).extracting(t -> t.value).containsExactly(password(next));

    // A state pointing at another token of the project (a CI token with the api scope) never gets it
    // rotated, served or revoked: only tokens with this credential's name are the operator's.
    GitLabStub.Token ci = new GitLabStub.Token(9000, "projects/42", "ci", List.of("api"), 40, TODAY.plusDays(30), "glpat-ci-token-0000000000", 0);
    gitlab.tokens.put(ci.id, ci);
    stored.put("uid-1", new TokenState("projects/team%2Fapp", ci.id, "glpat-ci-token-0000000000", ci.expiresAt, "", null));
    provider = newProvider(Duration.ofSeconds(30));
    Credential third = fetch(null);
    assertThat(password(third)).isNotEqualTo(ci.value);
    rc.getMetadata().setDeletionTimestamp(NOW.toString());
    assertThat(provider.release(rc, NOW, (reason, message) -> { })).isNull();
    assertThat(gitlab.live(ci)).isTrue();
    assertThat(gitlab.mints).noneMatch(m -> m.from() == ci.id);
    assertThat(liveTokensOfTheCredential()).isEmpty();
  }

  @Test
  void aTokenRevokedInGitLabIsReplacedByANewOne() throws Exception {
    Credential first = fetch(null);
    gitlab.tokens.values().forEach(t -> t.revoked = true);
    Credential next = fetch(first);
    assertThat(gitlab.registryLogin(password(next))).isTrue();
    assertThat(gitlab.mints).extracting(GitLabStub.Mint::kind).containsExactly("create", "create");
    assertThat(liveTokensOfTheCredential()).hasSize(1);
  }

  @Test
  void aGroupTokenByFullPathAndLifetimeAndUsername() throws Exception {
    rc.getSpec().getProvider().getGitlab().setProject(null);
    rc.getSpec().getProvider().getGitlab().setGroup("team/sub");
    rc.getSpec().getProvider().getGitlab().setLifetimeDays(30);
    rc.getSpec().getProvider().getGitlab().setUsername("puller");
    Credential c = fetch(null);
    assertThat(c.expiresAt()).isEqualTo(Instant.parse("2030-02-09T00:00:00Z"));
    assertThat(gitlab.tokens.values()).extracting(t -> t.resource).containsExactly("groups/7");
    assertThat(JSON.readTree(c.dockerConfigJson()).path("auths").path(REGISTRY).path("username").asText()).isEqualTo("puller");
    assertThat(calls()).allMatch(p -> p.contains("/api/v4/groups/team%2Fsub/access_tokens"));
  }

  @Test
  void gitLabsRefusalsBecomeConditionsWithoutSecrets() {
    adminToken("glpat-wrong-token-000000000");
    assertThat(refused(request(null, false, gitlab.server.hostPort()), Reasons.AUTHENTICATION_FAILED).getMessage())
        .contains("HTTP 401").doesNotContain("glpat-wrong");
    adminToken("glpat-developer-000000000000");
    refused(request(null, false, gitlab.server.hostPort()), Reasons.ACCESS_DENIED);
    adminToken(ADMIN);
    rc.getSpec().getProvider().getGitlab().setProject("team/other");
    assertThat(refused(request(null, false, gitlab.server.hostPort()), Reasons.INVALID_SPEC).getMessage()).contains("HTTP 404");
    rc.getSpec().getProvider().getGitlab().setProject("team/app");
    gitlab.failWith = 503;
    assertThat(refused(request(null, false, gitlab.server.hostPort()), Reasons.PROVIDER_UNAVAILABLE).retryable()).isTrue();
    gitlab.failWith = 0;
    rc.getSpec().getProvider().getGitlab().setGroup("team");
    assertThat(refused(request(null, false, gitlab.server.hostPort()), Reasons.INVALID_SPEC).getMessage()).contains("exactly one");
    rc.getSpec().getProvider().getGitlab().setGroup(null);
    rc.getSpec().getProvider().getGitlab().setLifetimeDays(1);
    refused(request(null, false, gitlab.server.hostPort()), Reasons.INVALID_SPEC);
    rc.getSpec().getProvider().getGitlab().setLifetimeDays(null);
    rc.getSpec().getProvider().getGitlab().setAdminSecretRef(new SecretReference("no-such-secret"));
    refused(request(null, false, gitlab.server.hostPort()), Reasons.SOURCE_NOT_FOUND);
    assertThat(gitlab.tokens).isEmpty();
  }

  @Test
  void theStubRefusesWhatGitLabRefuses() throws Exception {
    Credential c = fetch(null);
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(TestTls.clientContext()).build();
    java.util.function.BiFunction<java.net.http.HttpRequest.Builder, String, Integer> send = (b, token) -> {
      try {
        if (token != null) {
          b.header("PRIVATE-TOKEN", token);
        }
        return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    String base = gitlab.url() + "/api/v4/projects/42/access_tokens";
    java.util.function.Function<String, java.net.http.HttpRequest.Builder> post = body -> java.net.http.HttpRequest
        .newBuilder(java.net.URI.create(base)).header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
    assertThat(send.apply(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base)), null)).isEqualTo(401);
    assertThat(send.apply(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base)), password(c)))
        .as("the pull token (read_registry) may not use the API").isEqualTo(403);
    assertThat(send.apply(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gitlab.url()
        + "/api/v4/projects/team/app/access_tokens")), ADMIN)).as("a path must be URL-encoded").isEqualTo(404);
    assertThat(send.apply(post.apply("{\"name\":\"x\",\"description\":\"\",\"scopes\":[\"read_registry\"],\"access_level\":20}"), ADMIN))
        .as("expires_at is required").isEqualTo(400);
    assertThat(send.apply(post.apply("{\"name\":\"x\",\"description\":\"\",\"scopes\":[\"read_registry\"],\"access_level\":20,"
        + "\"expires_at\":\"2031-06-01\"}"), ADMIN)).as("at most 365 days").isEqualTo(400);
    assertThat(send.apply(post.apply("{\"name\":\"x\",\"description\":\"\",\"scopes\":[\"sudo\"],\"access_level\":20,"
        + "\"expires_at\":\"2030-01-12\"}"), ADMIN)).isEqualTo(400);
    // Rotating a revoked token: 400, and its family (the current token) is revoked: reuse detection.
    long first = gitlab.mints.get(0).id();
    Credential next = fetch(c);
    assertThat(send.apply(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/" + first + "/rotate"))
        .POST(java.net.http.HttpRequest.BodyPublishers.noBody()), ADMIN)).isEqualTo(400);
    assertThat(gitlab.registryLogin(password(next))).isFalse();
    assertThat(send.apply(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/99999")).DELETE(), ADMIN)).isEqualTo(404);
    // A revoked token authenticates nowhere: 401. The admin token works as a Bearer token too.
    assertThat(send.apply(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base)), password(c))).isEqualTo(401);
    assertThat(send.apply(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base)).header("Authorization", "Bearer " + ADMIN),
        null)).isEqualTo(200);
  }

  // Deletion: the token is revoked with the admin token held from the last fetch, within a bound.

  @Test
  void releaseRevokesTheTokenEvenWhenTheAdminSecretIsGone() throws Exception {
    Credential c = fetch(null);
    sources.remove("gitlab-admin"); // the namespace is Terminating: its Secrets go first
    rc.getMetadata().setDeletionTimestamp(NOW.toString());
    List<String> warnings = new ArrayList<>();
    assertThat(provider.release(rc, NOW, (reason, message) -> warnings.add(reason))).isNull();
    assertThat(gitlab.registryLogin(password(c))).isFalse();
    assertThat(gitlab.active()).isEmpty();
    assertThat(stored).isEmpty();
    assertThat(warnings).isEmpty();
    assertThat(gitlab.requests()).filteredOn(r -> r.method().equals("DELETE")).hasSize(1);
  }

  @Test
  void releaseGivesUpAfterTheBoundAndSaysWhichTokenStaysUntilWhen() throws Exception {
    Credential c = fetch(null);
    long id = stored.get("uid-1").tokenId();
    gitlab.failWith = 503;
    rc.getMetadata().setDeletionTimestamp(NOW.toString());
    List<String> warnings = new ArrayList<>();
    Duration again = provider.release(rc, NOW.plusSeconds(1), (reason, message) -> warnings.add(reason + ": " + message));
    assertThat(again).isPositive().isLessThanOrEqualTo(GitLabCredentialProvider.RELEASE_RETRY);
    assertThat(warnings).isEmpty();
    assertThat(provider.release(rc, NOW.plusSeconds(30), (reason, message) -> warnings.add(reason + ": " + message))).isNull();
    assertThat(warnings).singleElement().asString().startsWith("RevocationFailed: GitLab token " + id)
        .contains("within 30s").contains("HTTP 503").contains("expires by itself on 2030-01-17")
        .doesNotContain(ADMIN).doesNotContain(password(c));
    assertThat(stored).isEmpty();
  }

  @Test
  void releaseWithoutAnyKnownAdminTokenGivesUpAtOnce() throws Exception {
    fetch(null);
    provider = newProvider(Duration.ofSeconds(30)); // restarted, and deleted before any reconcile
    rc.getMetadata().setDeletionTimestamp(NOW.toString());
    List<String> warnings = new ArrayList<>();
    assertThat(provider.release(rc, NOW, (reason, message) -> warnings.add(message))).isNull();
    assertThat(warnings).singleElement().asString().contains("no admin token is known").contains("2030-01-17");
    // A credential that never fetched owns nothing: nothing to say.
    warnings.clear();
    stored.clear();
    assertThat(newProvider(Duration.ofSeconds(30)).release(rc, NOW, (reason, message) -> warnings.add(message))).isNull();
    assertThat(warnings).isEmpty();
  }

  // Token lending: the admin token goes to the credential's own url only, never to the operator's surroundings.

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aLoopbackUrlIsRefusedEvenInTrustedNamespacesUnlessAllowed(boolean trusted) {
    dns.put("127.0.0.1", new InetAddress[] {InetAddress.getLoopbackAddress()});
    ProviderException e = refused(request(null, trusted), Reasons.NOT_PERMITTED);
    assertThat(e.getMessage()).contains("loopback").contains("PULLSECRET_ALLOWED_ENDPOINT_HOSTS");
    assertThat(gitlab.requests()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"169.254.169.254", "fe80::a9fe:a9fe", "100.100.100.200", "fd00:ec2::254", "::ffff:127.0.0.1", "0.0.0.0"})
  void aNameThatResolvesToAForbiddenAddressIsRefusedBeforeAnyRequest(String address) throws Exception {
    dns.put("gitlab.attacker.example", new InetAddress[] {InetAddress.getByName("10.0.0.1"), InetAddress.getByName(address)});
    rc = Fixtures.credential(spec("https://gitlab.attacker.example:" + gitlab.server.port()));
    refused(request(null, true), Reasons.NOT_PERMITTED);
    assertThat(gitlab.requests()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://gitlab.example.com", "https://root:pw@gitlab.example.com", "https://gitlab.example.com/api/v4",
      "https://gitlab.example.com?x=1", "gitlab.example.com"})
  void plainHttpAndUrlsThatAreNotABaseUrlAreRefused(String url) throws Exception {
    dns.put("gitlab.example.com", new InetAddress[] {InetAddress.getByName("10.0.0.1")});
    rc = Fixtures.credential(spec(url));
    ProviderException e = (ProviderException) org.assertj.core.api.Assertions.catchThrowable(() -> provider.fetch(request(null, true)));
    assertThat(e.reason()).isIn(Reasons.NOT_PERMITTED, Reasons.INVALID_SPEC);
    assertThat(gitlab.requests()).isEmpty();
  }

  @Test
  void redirectsAreNotFollowed() throws Exception {
    try (GitLabStub other = new GitLabStub(TestTls.serverContext(), CLOCK).project(42, "team/app").admin(ADMIN, "projects/42")) {
      gitlab.server.handler(r -> Response.json(307, "{}").withHeader("Location", other.url() + r.path()));
      ProviderException e = (ProviderException) org.assertj.core.api.Assertions.catchThrowable(
          () -> provider.fetch(request(null, false, gitlab.server.hostPort(), other.server.hostPort())));
      assertThat(e.getMessage()).contains("HTTP 307").doesNotContain(ADMIN);
      assertThat(other.requests()).isEmpty();
    }
  }

  static String text(Request r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }
}
