package io.pullsecrets.operator.provider.harbor;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.pullsecrets.operator.api.HarborProviderSpec;
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
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole operator with the real Harbor provider against the Harbor stub, on the real API
 * server: each rotation is one GET and one PATCH, and the window during which Harbor accepts only
 * the new secret while a target namespace's Secret still holds the old one is measured from the
 * PATCH Harbor accepted to the watch event that shows the new login in the last namespace.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class HarborRotationOperatorTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ADMIN = "admin";
  static final String ADMIN_PASSWORD = "Harbor12345-admin-do-not-leak";
  static final String ROBOT = "robot$platform+puller";
  static final List<String> NAMESPACES = List.of("team-a", "team-b", "team-c");
  static final int ROTATIONS = 5;

  @RegisterExtension final Closer closer = new Closer();
  HarborStub harbor;
  OperatorHarness h;
  /** When each login first appeared in each target namespace. */
  RotationWatch seen;

  @BeforeEach
  void start() throws Exception {
    harbor = closer.add(new HarborStub(TestTls.serverContext()).user(ADMIN, ADMIN_PASSWORD, true));
    harbor.robot(3, ROBOT, "InitialSecret1");
    HarborCredentialProvider provider =
        new HarborCredentialProvider(InetAddress::getAllByName, TestTls.clientContext(), new SecureRandom());
    h = closer.add(new OperatorHarness());
    h.start(OperatorHarness.config(Set.of(), Set.of(harbor.server.hostPort())), o -> o.withProviders(new ProviderRegistry(List.of(provider))));
    Fixtures.loginSecret(h.client, PLATFORM_NS, "harbor-admin", ADMIN, ADMIN_PASSWORD);
    NAMESPACES.forEach(ns -> Fixtures.namespace(h.client, ns, Map.of()));
    seen = closer.add(new RotationWatch(h.client, "harbor-pull", this::password));
  }

  String password(Secret s) {
    if (s == null || s.getData() == null || s.getData().get(".dockerconfigjson") == null) {
      return null;
    }
    try {
      JsonNode login = JSON.readTree(Fixtures.unb64(s.getData().get(".dockerconfigjson"))).path("auths").path(harbor.server.hostPort());
      return login.path("username").asText().equals(ROBOT) ? login.path("password").asText(null) : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  RegistryCredential credential() {
    HarborProviderSpec spec = new HarborProviderSpec();
    spec.setUrl(harbor.url());
    spec.setRobotId(3L);
    spec.setAdminSecretRef(new SecretReference("harbor-admin"));
    ProviderSpec p = new ProviderSpec();
    p.setHarbor(spec);
    return CredentialBuilder.of(PLATFORM_NS, "harbor", p).secretName("harbor-pull").targets(NAMESPACES).build();
  }

  /** Every target namespace holds the robot's current secret, which Harbor accepts. */
  boolean allServe(String secret) {
    return NAMESPACES.stream().allMatch(ns -> h.secret(ns, "harbor-pull").map(this::password).filter(secret::equals).isPresent())
        && harbor.login(ROBOT, secret);
  }

  /** Milliseconds from Harbor accepting {@code rotation} to the last namespace's watch event with its secret. */
  double window(HarborStub.Rotation rotation) {
    return seen.windowMillis(NAMESPACES, rotation.secret(), rotation.acceptedNanos());
  }

  @Test
  void eachRotationIsOnePatchAndTheNewLoginReachesEveryNamespaceWithinTheMeasuredWindow() {
    h.apply(credential());
    RegistryCredential ready = h.awaitReady(PLATFORM_NS, "harbor");
    assertThat(harbor.rotations).hasSize(1);
    h.awaitUntil(() -> allServe(harbor.rotations.get(0).secret()));
    assertThat(Instant.parse(ready.getStatus().getExpiresAt()))
        .isBetween(Instant.now().plus(Duration.ofHours(23)), Instant.now().plus(Duration.ofHours(25)));

    for (int i = 1; i <= ROTATIONS; i++) {
      int expected = i + 1;
      h.requestRefresh(PLATFORM_NS, "harbor", "rotate-" + i);
      h.awaitUntil(() -> harbor.rotations.size() >= expected && allServe(harbor.rotations.get(expected - 1).secret()));
      h.awaitUntil(() -> seen.seenIn(NAMESPACES, harbor.rotations.get(expected - 1).secret()));
    }
    h.awaitReady(PLATFORM_NS, "harbor");
    // Other events reuse the robot's secret: no rotation without a refresh.
    int reconciles = h.reconciles(PLATFORM_NS, "harbor");
    Fixtures.namespace(h.client, "unrelated", Map.of());
    h.awaitUntil(() -> h.reconciles(PLATFORM_NS, "harbor") > reconciles);
    assertThat(harbor.rotations).hasSize(ROTATIONS + 1);
    assertThat(harbor.requests()).extracting(r -> r.method()).filteredOn("PATCH"::equals).hasSize(ROTATIONS + 1);

    List<Double> windows = new ArrayList<>();
    harbor.rotations.forEach(r -> windows.add(window(r)));
    System.out.println("HARBOR_ROTATION_WINDOW_MS namespaces=" + NAMESPACES.size() + " " + RotationWatch.summary(windows));
    // Harbor accepts only the new secret from the PATCH on; the Secrets follow within one write pass.
    assertThat(windows).allSatisfy(w -> assertThat(w).isPositive().isLessThan(5000.0));
  }

  @Test
  void kubectlExplainsTheHarborFieldsAndTheApiServerRefusesAUrlThatIsNotABaseUrl() {
    String explain = h.explain("regcred.spec.provider.harbor");
    assertThat(explain).contains("url").contains("robotId").contains("adminSecretRef").contains("rotateEvery")
        .contains("registry").contains("The admin login is sent");

    RegistryCredential withPath = credential();
    withPath.getSpec().getProvider().getHarbor().setUrl("https://harbor.example.com/api/v2.0/robots/9");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.apply(withPath))
        .isInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class).hasMessageContaining("spec.provider.harbor.url");
    RegistryCredential tooOften = credential();
    tooOften.getSpec().getProvider().getHarbor().setRotateEvery("5m");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.apply(tooOften))
        .isInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class).hasMessageContaining("at least 10m");
    assertThat(harbor.requests()).isEmpty();
  }
}
