package io.pullsecrets.operator.provider.gitlab;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.pullsecrets.operator.api.GitLabProviderSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.SecretReference;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.provider.cloud.TestTls;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.CredentialBuilder;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import io.pullsecrets.operator.testing.RotationWatch;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole operator on the real API server with the GitLab provider against the HTTPS stub:
 * every refresh is one rotation (GitLab revokes the old token as it creates the new one), the
 * Secrets follow in one write pass, and deleting a tenant's namespace revokes the token with the
 * admin token held from the last fetch (the admin Secret goes with the namespace), or gives up
 * after the bound so that the namespace deletion completes. The window in which only the old
 * token is in the Secrets while GitLab accepts only the new one is measured from the rotation
 * GitLab accepted to the watch event that shows the new token in the last namespace.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class GitLabRotationOperatorTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ADMIN = "glpat-admin-do-not-leak-0123456789";
  static final String REGISTRY = "registry.gitlab.example.com";
  static final List<String> NAMESPACES = List.of("team-a", "team-b", "team-c");
  static final int ROTATIONS = 5;
  static final Duration RELEASE_BOUND = Duration.ofSeconds(5);

  @RegisterExtension final Closer closer = new Closer();
  GitLabStub gitlab;
  OperatorHarness h;
  /** When each login first appeared in each target namespace. */
  RotationWatch seen;

  @BeforeEach
  void start() throws Exception {
    gitlab = closer.add(new GitLabStub(TestTls.serverContext(), Clock.systemUTC())).project(42, "team/app")
        .admin(ADMIN, "projects/42");
    h = closer.add(new OperatorHarness());
    startOperator();
    NAMESPACES.forEach(ns -> Fixtures.namespace(h.client, ns, Map.of()));
    seen = closer.add(new RotationWatch(h.client, "gitlab-pull", GitLabRotationOperatorTest::password));
  }

  /** A new operator with a new provider (nothing in memory): the state on the API server is all that survives. */
  void startOperator() throws Exception {
    GitLabCredentialProvider provider = GitLabCredentialProvider.of(h.operatorClient(), InetAddress::getAllByName,
        TestTls.clientContext(), RELEASE_BOUND);
    h.start(OperatorHarness.config(Set.of(), Set.of(gitlab.server.hostPort())),
        o -> o.withProviders(new ProviderRegistry(List.of(provider))));
  }

  static String password(Secret s) {
    if (s == null || s.getData() == null || s.getData().get(".dockerconfigjson") == null) {
      return null;
    }
    try {
      JsonNode login = JSON.readTree(Fixtures.unb64(s.getData().get(".dockerconfigjson"))).path("auths").path(REGISTRY);
      return login.path("password").asText(null);
    } catch (java.io.IOException e) {
      return null;
    }
  }

  RegistryCredential credential(String ns, String name, List<String> targets) {
    GitLabProviderSpec spec = new GitLabProviderSpec();
    spec.setUrl(gitlab.url());
    spec.setProject("team/app");
    spec.setRegistry(REGISTRY);
    spec.setAdminSecretRef(new SecretReference("gitlab-admin"));
    ProviderSpec p = new ProviderSpec();
    p.setGitlab(spec);
    CredentialBuilder b = CredentialBuilder.of(ns, name, p).secretName("gitlab-pull");
    return (targets.isEmpty() ? b : b.targets(targets)).build();
  }

  boolean allServe(String token) {
    return NAMESPACES.stream().allMatch(ns -> h.secret(ns, "gitlab-pull").map(GitLabRotationOperatorTest::password)
        .filter(token::equals).isPresent()) && gitlab.registryLogin(token);
  }

  double window(GitLabStub.Mint mint) {
    return seen.windowMillis(NAMESPACES, mint.value(), mint.acceptedNanos());
  }

  @Test
  void eachRefreshIsOneRotationLeavingOneLiveTokenAndTheNewTokenReachesEveryNamespaceWithinTheMeasuredWindow() {
    Fixtures.dataSecret(h.client, PLATFORM_NS, "gitlab-admin", Map.of("token", ADMIN));
    h.apply(credential(PLATFORM_NS, "gitlab", NAMESPACES));
    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "gitlab");
    assertThat(gitlab.mints).extracting(GitLabStub.Mint::kind).containsExactly("create");
    h.awaitUntil(() -> allServe(gitlab.mints.get(0).value()));
    // The Secret's expiry is the token's expires_at (today + 7 days), at 00:00 UTC.
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    assertThat(Instant.parse(ready.getStatus().getExpiresAt())).isIn(today.plusDays(7).atStartOfDay(ZoneOffset.UTC).toInstant(),
        today.plusDays(8).atStartOfDay(ZoneOffset.UTC).toInstant());

    for (int i = 1; i <= ROTATIONS; i++) {
      int expected = i + 1;
      h.requestRefresh(PLATFORM_NS, "gitlab", "rotate-" + i);
      h.awaitUntil(() -> gitlab.mints.size() >= expected && allServe(gitlab.mints.get(expected - 1).value()));
      h.awaitUntil(() -> seen.seenIn(NAMESPACES, gitlab.mints.get(expected - 1).value()));
      // Never two live tokens: GitLab revoked the previous one as it created this one.
      assertThat(gitlab.active()).hasSize(1);
      assertThat(gitlab.registryLogin(gitlab.mints.get(expected - 2).value())).isFalse();
    }
    h.awaitReady(PLATFORM_NS, "gitlab");
    // Other events reuse the token: no mint without a refresh.
    int reconciles = h.reconciles(PLATFORM_NS, "gitlab");
    Fixtures.namespace(h.client, "unrelated", Map.of());
    h.awaitUntil(() -> h.reconciles(PLATFORM_NS, "gitlab") > reconciles);
    assertThat(gitlab.mints).hasSize(ROTATIONS + 1);
    assertThat(gitlab.mints.subList(1, gitlab.mints.size())).extracting(GitLabStub.Mint::kind).containsOnly("rotate");

    List<Double> windows = new ArrayList<>();
    gitlab.mints.subList(1, gitlab.mints.size()).forEach(m -> windows.add(window(m)));
    System.out.println("GITLAB_ROTATION_WINDOW_MS namespaces=" + NAMESPACES.size() + " " + RotationWatch.summary(windows));
    assertThat(windows).allSatisfy(w -> assertThat(w).isPositive().isLessThan(5000.0));
    // The state Secret holds the current token id, and no intent.
    Secret state = h.client.secrets().inNamespace(PLATFORM_NS).list().getItems().stream()
        .filter(s -> s.getMetadata().getName().startsWith("pullsecret-gitlab-")).findFirst().orElseThrow();
    TokenState parsed = TokenState.parse(Fixtures.unb64(state.getData().get(TokenStore.KEY)));
    assertThat(parsed.tokenId()).isEqualTo(gitlab.mints.get(ROTATIONS).id());
    assertThat(parsed.rotating()).isNull();
  }

  /** A tenant credential (its own namespace only) with its admin Secret, Ready, and its token live. */
  GitLabStub.Token tenantReady(String ns) {
    Fixtures.namespace(h.client, ns, Map.of());
    Fixtures.dataSecret(h.client, ns, "gitlab-admin", Map.of("token", ADMIN));
    h.apply(credential(ns, "gitlab", List.of()));
    h.awaitReady(ns, "gitlab");
    assertThat(gitlab.active()).hasSize(1);
    return gitlab.active().get(0);
  }

  @Test
  void deletingTheNamespaceRevokesTheTokenThoughTheAdminSecretGoesWithIt() {
    GitLabStub.Token token = tenantReady("tenant-gl");
    h.client.namespaces().withName("tenant-gl").delete();
    Awaitility.await("the namespace is gone").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> h.client.namespaces().withName("tenant-gl").get() == null);
    assertThat(gitlab.registryLogin(token.value)).isFalse();
    assertThat(gitlab.active()).isEmpty();
    assertThat(gitlab.requests()).filteredOn(r -> r.method().equals("DELETE")).isNotEmpty();
  }

  @Test
  void aCredentialDeletedWhileGitLabIsDownIsReleasedAfterTheBoundWithARevocationFailedEvent() {
    GitLabStub.Token token = tenantReady("tenant-ev");
    gitlab.failWith = 503;
    h.client.resources(RegistryCredential.class).inNamespace("tenant-ev").withName("gitlab").delete();
    Awaitility.await("the credential is gone").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> h.get("tenant-ev", "gitlab") == null);
    h.awaitUntil(() -> h.client.v1().events().inNamespace("tenant-ev").list().getItems().stream()
        .anyMatch(e -> "RevocationFailed".equals(e.getReason()) && "Warning".equals(e.getType())
            && e.getMessage().contains("GitLab token " + token.id) && e.getMessage().contains("expires by itself on")));
    assertThat(h.client.v1().events().inNamespace("tenant-ev").list().getItems())
        .noneMatch(e -> e.getMessage() != null && (e.getMessage().contains(ADMIN) || e.getMessage().contains(token.value)));
  }

  @Test
  void whenGitLabCannotBeReachedTheNamespaceDeletionStillCompletesAfterTheBound() {
    GitLabStub.Token token = tenantReady("tenant-down");
    gitlab.failWith = 503;
    long start = System.nanoTime();
    h.client.namespaces().withName("tenant-down").delete();
    Awaitility.await("the namespace is gone").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> h.client.namespaces().withName("tenant-down").get() == null);
    double took = (System.nanoTime() - start) / 1e9;
    System.out.printf("GITLAB_RELEASE_BOUND bound=%ds namespaceGoneAfter=%.1fs%n", RELEASE_BOUND.toSeconds(), took);
    // It tried for the bound, then let go and said which token stays until when.
    assertThat(took).isGreaterThanOrEqualTo(RELEASE_BOUND.toSeconds() - 0.5);
    assertThat(gitlab.registryLogin(token.value)).isTrue();
    assertThat(h.logLines()).anyMatch(l -> l.contains("GitLab token " + token.id) && l.contains("could not be revoked within")
        && l.contains("expires by itself on"));
    assertThat(h.logLines()).noneMatch(l -> l.contains(ADMIN) || l.contains(token.value));
  }

  @Test
  void kubectlExplainsTheGitLabFieldsAndTheApiServerRefusesProjectAndGroupTogether() {
    String explain = h.explain("regcred.spec.provider.gitlab");
    assertThat(explain).contains("url").contains("project").contains("group").contains("adminSecretRef")
        .contains("registry").contains("lifetimeDays").contains("username").contains("The admin token is sent");

    RegistryCredential both = credential(PLATFORM_NS, "gitlab", List.of());
    both.getSpec().getProvider().getGitlab().setGroup("team");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.apply(both))
        .isInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class).hasMessageContaining("exactly one of project and group");
    RegistryCredential oneDay = credential(PLATFORM_NS, "gitlab", List.of());
    oneDay.getSpec().getProvider().getGitlab().setLifetimeDays(1);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.apply(oneDay))
        .isInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class).hasMessageContaining("lifetimeDays");
    RegistryCredential withPath = credential(PLATFORM_NS, "gitlab", List.of());
    withPath.getSpec().getProvider().getGitlab().setUrl("https://gitlab.example.com/api/v4");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.apply(withPath))
        .isInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class).hasMessageContaining("spec.provider.gitlab.url");
    assertThat(gitlab.requests()).isEmpty();
  }

  @Test
  void aRestartMintsNothingAndARotationWhoseAnswerWasLostLeavesOneKnownLiveTokenAfterTheRestart() throws Exception {
    Fixtures.dataSecret(h.client, PLATFORM_NS, "gitlab-admin", Map.of("token", ADMIN));
    h.apply(credential(PLATFORM_NS, "gitlab", NAMESPACES));
    h.awaitReady(PLATFORM_NS, "gitlab");
    String first = gitlab.mints.get(0).value();
    h.awaitUntil(() -> allServe(first));

    // A restart: the first reconcile of the new operator reuses the stored token.
    h.stopOperator();
    int requests = gitlab.requests().size();
    startOperator();
    h.awaitUntil(() -> h.reconciles(PLATFORM_NS, "gitlab") > 0 && gitlab.requests().size() > requests);
    h.awaitReady(PLATFORM_NS, "gitlab");
    assertThat(gitlab.mints).hasSize(1);
    assertThat(allServe(first)).isTrue();

    // A refresh whose rotate GitLab performs but whose answer is lost, then a restart.
    gitlab.loseNextAnswer = true;
    h.requestRefresh(PLATFORM_NS, "gitlab", "lost");
    h.awaitUntil(() -> gitlab.mints.size() == 2 && !gitlab.loseNextAnswer);
    h.awaitUntil(() -> h.get(PLATFORM_NS, "gitlab").getStatus().getConditions().stream()
        .anyMatch(c -> c.getType().equals("TokenValid")));
    String unknown = gitlab.mints.get(1).value();
    h.stopOperator();
    startOperator();
    h.awaitUntil(() -> gitlab.mints.size() == 3 && allServe(gitlab.mints.get(2).value()));
    assertThat(gitlab.mints.get(2).from()).as("the successor whose answer was lost is rotated").isEqualTo(gitlab.mints.get(1).id());
    assertThat(gitlab.registryLogin(unknown)).isFalse();
    assertThat(gitlab.active()).extracting(t -> t.value).containsExactly(gitlab.mints.get(2).value());
    h.awaitReady(PLATFORM_NS, "gitlab");
    assertThat(gitlab.mints).hasSize(3);
  }
}
