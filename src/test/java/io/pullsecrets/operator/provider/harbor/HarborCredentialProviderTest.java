package io.pullsecrets.operator.provider.harbor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.pullsecrets.operator.api.HarborProviderSpec;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.SecretReference;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.provider.cloud.TestTls;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.verify.RegistryVerifier;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real provider (its HTTP client, TLS, address checks) against an HTTPS stub that checks
 * what Harbor's robot API checks ({@link HarborStub}), and the attacks of a tenant who names the
 * URL the admin login is sent to.
 */
class HarborCredentialProviderTest {
  static final String ADMIN = "admin";
  static final String ADMIN_PASSWORD = "Harbor12345-admin-do-not-leak";
  static final String ROBOT = "robot$team-a+ci";
  static final String OLD_SECRET = "OldRobotSecret1-do-not-leak";
  static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @RegisterExtension final Closer closer = new Closer();
  HarborStub harbor;
  HarborStub.Robot robot;
  final Fixtures.Secrets secrets = new Fixtures.Secrets();
  /** Names the tests resolve; anything else does not resolve. */
  Map<String, InetAddress[]> dns = new java.util.HashMap<>();
  HarborCredentialProvider provider;

  @BeforeEach
  void start() throws Exception {
    harbor = closer.add(new HarborStub(TestTls.serverContext())).user(ADMIN, ADMIN_PASSWORD, true).user("dev", "Dev-password-1", false);
    robot = harbor.robot(7, ROBOT, OLD_SECRET);
    secrets.put(Fixtures.secret("harbor-admin", Map.of("username", ADMIN, "password", ADMIN_PASSWORD)));
    provider = new HarborCredentialProvider(this::resolve, TestTls.clientContext(), new SecureRandom());
  }

  InetAddress[] resolve(String host) throws UnknownHostException {
    InetAddress[] a = dns.get(host);
    if (a == null) {
      throw new UnknownHostException(host);
    }
    return a;
  }

  static ProviderSpec spec(String url, long robotId) {
    HarborProviderSpec h = new HarborProviderSpec();
    h.setUrl(url);
    h.setRobotId(robotId);
    h.setAdminSecretRef(new SecretReference("harbor-admin"));
    ProviderSpec p = new ProviderSpec();
    p.setHarbor(h);
    return p;
  }

  ProviderRequest request(ProviderSpec spec, boolean trusted, String... allowed) {
    return new ProviderRequest(Fixtures.credential(spec), secrets, trusted, Set.of(allowed), CLOCK);
  }

  /** A request to the stub, whose loopback address an administrator allowed. */
  ProviderRequest allowed(ProviderSpec spec) {
    return request(spec, false, harbor.server.hostPort());
  }

  static JsonNode login(Credential c, String registry) throws Exception {
    return Fixtures.dockerConfigEntry(c.dockerConfigJson(), registry);
  }

  ProviderException refused(ProviderRequest request, String reason) {
    ProviderException e = (ProviderException) org.assertj.core.api.Assertions.catchThrowable(() -> provider.fetch(request));
    assertThat(e).as("fetch fails").isNotNull();
    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.getMessage()).doesNotContain(ADMIN_PASSWORD).doesNotContain(OLD_SECRET).doesNotContain(robot.secret);
    return e;
  }

  @Test
  void rotatesTheRobotsSecretAndRendersTheRobotsLogin() throws Exception {
    Credential c = provider.fetch(allowed(spec(harbor.url(), 7)));

    String registry = harbor.server.hostPort();
    assertThat(c.registries()).containsExactly(registry);
    JsonNode login = login(c, registry);
    assertThat(login.path("username").asText()).isEqualTo(ROBOT);
    String secret = login.path("password").asText();
    assertThat(secret).isEqualTo(robot.secret).isNotEqualTo(OLD_SECRET);
    assertThat(HarborCredentialProvider.validSecret(secret)).isTrue();
    assertThat(login.path("auth").asText()).isEqualTo(Base64.getEncoder().encodeToString((ROBOT + ":" + secret).getBytes(StandardCharsets.UTF_8)));
    assertThat(c.expiresAt()).isEqualTo(NOW.plus(Duration.ofHours(24)));
    // Harbor's registry: the robot logs in with the new secret only.
    assertThat(harbor.login(ROBOT, secret)).isTrue();
    assertThat(harbor.login(ROBOT, OLD_SECRET)).isFalse();
    // One GET (name, expiry), one PATCH: fetch and rotate in one pass.
    assertThat(harbor.requests()).extracting(r -> r.method() + " " + r.path())
        .containsExactly("GET /api/v2.0/robots/7", "PATCH /api/v2.0/robots/7");
    assertThat(harbor.rotations).hasSize(1);

    Credential next = provider.fetch(allowed(spec(harbor.url(), 7)));
    String secret2 = login(next, registry).path("password").asText();
    assertThat(secret2).isNotEqualTo(secret).isEqualTo(robot.secret);
    assertThat(harbor.login(ROBOT, secret)).isFalse();
    assertThat(c.toString()).doesNotContain(secret);
  }

  @Test
  void generatedSecretsMeetHarborsRules() {
    for (int i = 0; i < 2000; i++) {
      String s = provider.newSecret();
      assertThat(HarborCredentialProvider.validSecret(s)).as(s).isTrue();
      assertThat(s).hasSize(HarborCredentialProvider.SECRET_LENGTH).matches("[A-Za-z0-9]+");
    }
    assertThat(HarborCredentialProvider.validSecret("Short1a")).isFalse();
    assertThat(HarborCredentialProvider.validSecret("alllowercase1")).isFalse();
    assertThat(HarborCredentialProvider.validSecret("ALLUPPERCASE1")).isFalse();
    assertThat(HarborCredentialProvider.validSecret("NoDigitsHere")).isFalse();
    assertThat(HarborCredentialProvider.validSecret("A1" + "a".repeat(127))).isFalse();
  }

  @Test
  void theRobotsOwnExpiryCapsTheCredentialAndRotateEverySetsIt() throws Exception {
    ProviderSpec s = spec(harbor.url(), 7);
    s.getHarbor().setRotateEvery("90m");
    s.getHarbor().setRegistry("harbor.example.com");
    Credential c = provider.fetch(allowed(s));
    assertThat(c.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(90)));
    assertThat(c.registries()).containsExactly("harbor.example.com");

    robot.expiresAt = NOW.plus(Duration.ofMinutes(30)).getEpochSecond();
    assertThat(provider.fetch(allowed(s)).expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(30)));
  }

  @Test
  void anExpiredOrDisabledRobotIsNotRotated() {
    robot.expiresAt = NOW.minusSeconds(1).getEpochSecond();
    assertThat(refused(allowed(spec(harbor.url(), 7)), Reasons.TOKEN_EXPIRED).getMessage()).contains("expired");
    robot.expiresAt = -1;
    robot.disabled = true;
    assertThat(refused(allowed(spec(harbor.url(), 7)), Reasons.INVALID_SPEC).getMessage()).contains("disabled");
    assertThat(harbor.rotations).isEmpty();
    assertThat(robot.secret).isEqualTo(OLD_SECRET);
  }

  @Test
  void harborsRefusalsBecomeConditionsWithoutSecrets() {
    // Unknown robot: 404, nothing patched.
    assertThat(refused(allowed(spec(harbor.url(), 8)), Reasons.INVALID_SPEC).getMessage())
        .contains("HTTP 404").contains("robotId");
    // Wrong admin password: 401.
    secrets.put(Fixtures.secret("harbor-admin", Map.of("username", ADMIN, "password", "Wrong-password-1")));
    assertThat(refused(allowed(spec(harbor.url(), 7)), Reasons.AUTHENTICATION_FAILED).getMessage())
        .contains("HTTP 401").doesNotContain("Wrong-password-1");
    // A user without rights on the robot: 403.
    secrets.put(Fixtures.secret("harbor-admin", Map.of("username", "dev", "password", "Dev-password-1")));
    refused(allowed(spec(harbor.url(), 7)), Reasons.ACCESS_DENIED);
    // Harbor failing: retried.
    secrets.put(Fixtures.secret("harbor-admin", Map.of("username", ADMIN, "password", ADMIN_PASSWORD)));
    harbor.failWith = 500;
    ProviderException e = (ProviderException) org.assertj.core.api.Assertions.catchThrowable(
        () -> provider.fetch(allowed(spec(harbor.url(), 7))));
    assertThat(e.reason()).isEqualTo(Reasons.PROVIDER_UNAVAILABLE);
    assertThat(e.retryable()).isTrue();
    assertThat(harbor.rotations).isEmpty();
    assertThat(robot.secret).isEqualTo(OLD_SECRET);
    // A missing admin Secret.
    ProviderSpec missing = spec(harbor.url(), 7);
    missing.getHarbor().setAdminSecretRef(new SecretReference("no-such-secret"));
    refused(allowed(missing), Reasons.SOURCE_NOT_FOUND);
  }

  @Test
  void theStubRefusesWhatHarborRefuses() throws Exception {
    // The stub is no pushover: a PATCH without JSON content type, with a weak secret, or unauthenticated fails.
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(TestTls.clientContext()).build();
    String auth = "Basic " + Base64.getEncoder().encodeToString((ADMIN + ":" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
    java.net.URI uri = java.net.URI.create(harbor.url() + "/api/v2.0/robots/7");
    java.util.function.BiFunction<String, String, Integer> patch = (type, body) -> {
      try {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(uri).header("Authorization", auth)
            .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
          b.header("Content-Type", type);
        }
        return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    assertThat(patch.apply("text/plain", "{\"secret\":\"GoodSecret123\"}")).isEqualTo(415);
    assertThat(patch.apply("application/json", "{\"secret\":\"weaksecret\"}")).isEqualTo(400);
    assertThat(patch.apply("application/json", "{}")).isEqualTo(400);
    assertThat(http.send(java.net.http.HttpRequest.newBuilder(uri).method("PATCH",
        java.net.http.HttpRequest.BodyPublishers.ofString("{\"secret\":\"GoodSecret123\"}")).header("Content-Type", "application/json").build(),
        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
    assertThat(robot.secret).isEqualTo(OLD_SECRET);
    assertThat(patch.apply("application/json", "{\"secret\":\"GoodSecret123\"}")).isEqualTo(200);
    assertThat(harbor.login(ROBOT, "GoodSecret123")).isTrue();
  }

  // Token lending: the admin login goes to the credential's own url only, and never to the operator's surroundings.

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aLoopbackUrlIsRefusedEvenInTrustedNamespacesUnlessAllowed(boolean trusted) {
    dns.put("127.0.0.1", new InetAddress[] {InetAddress.getLoopbackAddress()});
    ProviderException e = refused(request(spec(harbor.url(), 7), trusted), Reasons.NOT_PERMITTED);
    assertThat(e.getMessage()).contains("loopback").contains("PULLSECRET_ALLOWED_ENDPOINT_HOSTS");
    assertThat(harbor.requests()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"169.254.169.254", "fe80::a9fe:a9fe", "100.100.100.200", "168.63.129.16", "fd00:ec2::254",
      "::ffff:127.0.0.1", "0.0.0.0", "224.0.0.1"})
  void aNameThatResolvesToAForbiddenAddressIsRefusedBeforeAnyRequest(String address) throws Exception {
    dns.put("harbor.attacker.example", new InetAddress[] {InetAddress.getByName("10.0.0.1"), InetAddress.getByName(address)});
    ProviderException e = refused(request(spec("https://harbor.attacker.example:" + harbor.port(), 7), true), Reasons.NOT_PERMITTED);
    assertThat(e.getMessage()).contains("harbor.attacker.example").contains("address");
    assertThat(harbor.requests()).isEmpty();
  }

  @Test
  void plainHttpIsRefusedUnlessTheHostIsAllowed() {
    dns.put("harbor.example.com", new InetAddress[] {addressOf("10.0.0.1")});
    assertThat(refused(request(spec("http://harbor.example.com", 7), true), Reasons.NOT_PERMITTED).getMessage())
        .contains("plain http");
    assertThat(harbor.requests()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://admin:pw@harbor.example.com", "https://harbor.example.com/api/v2.0/robots/9?x=",
      "https://harbor.example.com/other", "https://harbor.example.com#frag", "ftp://harbor.example.com", "harbor.example.com",
      "https://harbor.example.com\\@evil"})
  void aUrlThatIsNotABaseUrlIsRefused(String url) {
    dns.put("harbor.example.com", new InetAddress[] {addressOf("10.0.0.1")});
    refused(request(spec(url, 7), true), Reasons.INVALID_SPEC);
    assertThat(harbor.requests()).isEmpty();
  }

  @Test
  void redirectsAreNotFollowed() throws Exception {
    try (HarborStub other = new HarborStub(TestTls.serverContext()).user(ADMIN, ADMIN_PASSWORD, true)) {
      other.robot(7, ROBOT, OLD_SECRET);
      harbor.server.handler(r -> Response.json(307, "{}").withHeader("Location", other.url() + "/api/v2.0/robots/7"));
      ProviderException e = (ProviderException) org.assertj.core.api.Assertions.catchThrowable(
          () -> provider.fetch(request(spec(harbor.url(), 7), false, harbor.server.hostPort(), other.server.hostPort())));
      assertThat(e.getMessage()).contains("HTTP 307").doesNotContain(ADMIN_PASSWORD);
      assertThat(other.requests()).isEmpty();
      assertThat(harbor.requests()).hasSize(1);
    }
  }

  @Test
  void theConnectionGoesToTheCheckedAddressOfTheNamedHost() throws Exception {
    // A Harbor on a private address of this machine, under its own name: resolved once, checked,
    // connected to that address, and TLS-verified for the name.
    InetAddress local = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
        .filter(i -> {
          try {
            return i.isUp() && !i.isLoopback();
          } catch (java.net.SocketException e) {
            return false;
          }
        })
        .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
        .filter(a -> a instanceof Inet4Address && RegistryVerifier.forbidden(a) == null).findFirst().orElse(null);
    Assumptions.assumeTrue(local != null, "no non-loopback IPv4 address on this machine");
    KeyStore keys = TestTls.generate("harbor", "CN=harbor.test", "-keyalg", "EC", "-groupname", "secp256r1", "-ext", "SAN=DNS:harbor.test");
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, TestTls.PASSWORD);
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(kmf.getKeyManagers(), null, null);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("harbor", keys.getCertificate("harbor"));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);

    try (HarborStub named = new HarborStub(server, local, "harbor.test").user(ADMIN, ADMIN_PASSWORD, true)) {
      HarborStub.Robot r = named.robot(7, ROBOT, OLD_SECRET);
      java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
      HarborCredentialProvider p = new HarborCredentialProvider(host -> {
        lookups.incrementAndGet();
        assertThat(host).isEqualTo("harbor.test");
        return new InetAddress[] {local};
      }, client, new SecureRandom());

      Credential c = p.fetch(request(spec("https://harbor.test:" + named.port(), 7), false));

      assertThat(c.registries()).containsExactly("harbor.test:" + named.port());
      assertThat(login(c, "harbor.test:" + named.port()).path("password").asText()).isEqualTo(r.secret);
      assertThat(named.requests()).hasSize(2);
      assertThat(lookups.get()).isEqualTo(1);
    }
  }

  @Test
  void theAdminLoginIsSentOnlyToTheCredentialsOwnUrl() throws Exception {
    // The registry the robot login is rendered for is the tenant's choice; the admin login still goes to url only.
    try (HarborStub elsewhere = new HarborStub(TestTls.serverContext()).user(ADMIN, ADMIN_PASSWORD, true)) {
      ProviderSpec s = spec(harbor.url(), 7);
      s.getHarbor().setRegistry(elsewhere.server.hostPort());
      provider.fetch(request(s, false, harbor.server.hostPort(), elsewhere.server.hostPort()));
      assertThat(elsewhere.requests()).isEmpty();
      assertThat(harbor.requests()).allSatisfy(r -> assertThat(r.header("Authorization")).isNotNull());
    }
  }

  static InetAddress addressOf(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

}
