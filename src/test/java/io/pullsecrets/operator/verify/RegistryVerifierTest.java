package io.pullsecrets.operator.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.RegistryLogin;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.testing.Closer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.CsvFileSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The /v2/ probe against stub registries: one with Basic auth, one with the Bearer token flow. */
class RegistryVerifierTest {
  static final String USER = "robot";
  static final String PASSWORD = "registry-password-do-not-leak";
  static final String TOKEN = "registry-bearer-token-do-not-leak";

  @RegisterExtension final Closer closer = new Closer();
  StubServer registry;
  StubServer auth;
  /** The stubs listen on 127.0.0.1, which the probe refuses unless the host is on the allow-list. */
  final RegistryVerifier verifier = new RegistryVerifier(Set.of("127.0.0.1"));

  @BeforeEach
  void start() throws Exception {
    registry = closer.add(StubServer.http());
    auth = closer.add(StubServer.http());
  }

  /** The verifier's answer for USER with {@code password} at the registry stub. */
  RegistryVerifier.Result login(String password) {
    return verifier.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, password));
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  Response basicRegistry(Request r) {
    assertThat(r.path()).isEqualTo("/v2/");
    if (basic(USER, PASSWORD).equals(r.header("authorization"))) {
      return Response.json(200, "{}");
    }
    return Response.json(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}")
        .withHeader("WWW-Authenticate", "Basic realm=\"Registry Realm\"");
  }

  Response bearerRegistry(Request r) {
    assertThat(r.path()).isEqualTo("/v2/");
    if (("Bearer " + TOKEN).equals(r.header("authorization"))) {
      return Response.json(200, "{}");
    }
    return Response.json(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}")
        .withHeader("WWW-Authenticate", "Bearer realm=\"" + auth.url() + "/oauth2/token\",service=\"" + registry.hostPort() + "\"");
  }

  Response tokenService(Request r) {
    assertThat(r.path()).isEqualTo("/oauth2/token");
    assertThat(r.query()).isEqualTo("service=" + registry.hostPort().replace(":", "%3A"));
    if (!basic(USER, PASSWORD).equals(r.header("authorization"))) {
      return Response.json(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
    }
    return Response.json(200, "{\"token\":\"" + TOKEN + "\",\"expires_in\":300}");
  }

  /** The login with {@link #PASSWORD} succeeds (200); the message contains {@code says}, not the password. */
  RegistryVerifier.Result assertAccepted(String says) {
    RegistryVerifier.Result result = login(PASSWORD);
    assertThat(result.ok()).as(result.message()).isTrue();
    assertThat(result.httpStatus()).isEqualTo(200);
    assertThat(result.message()).contains(says).doesNotContain(PASSWORD);
    return result;
  }

  /** The login with {@code password} fails with {@code status}; the message contains {@code says}, not the password. */
  void assertRefused(String password, int status, String says) {
    RegistryVerifier.Result result = login(password);
    assertThat(result.ok()).isFalse();
    assertThat(result.httpStatus()).isEqualTo(status);
    assertThat(result.message()).contains(says).doesNotContain(password);
  }

  @Test
  void basicRegistryAcceptsTheLogin() {
    registry.handler(this::basicRegistry);
    assertAccepted("Basic");
    assertThat(registry.requests()).hasSize(2);
    assertThat(registry.requests().get(0).header("authorization")).isNull();
  }

  @Test
  void basicRegistryRejectsAWrongPassword() {
    registry.handler(this::basicRegistry);
    assertRefused("wrong-password", 401, "401");
  }

  @Test
  void bearerChallengeIsFollowed() {
    registry.handler(this::bearerRegistry);
    auth.handler(this::tokenService);
    assertThat(assertAccepted("Bearer").message()).doesNotContain(TOKEN);
    assertThat(auth.requests()).hasSize(1);
    assertThat(registry.requests()).hasSize(2);
  }

  @Test
  void bearerTokenServiceRejectsTheLogin() {
    registry.handler(this::bearerRegistry);
    auth.handler(this::tokenService);
    assertRefused("nope-nope", 401, "token service");
  }

  @Test
  void bearerAccessTokenFieldIsAccepted() {
    registry.handler(this::bearerRegistry);
    auth.handler(r -> Response.json(200, "{\"access_token\":\"" + TOKEN + "\"}"));
    assertThat(login(PASSWORD).ok()).isTrue();
  }

  /** Issue 17 #6: a plain http token realm gets no request unless its host is on the allow-list. */
  @Test
  void plainHttpRealmOnAnotherHostGetsNoCredentials() {
    registry.handler(r -> Response.json(401, "{}")
        .withHeader("WWW-Authenticate", "Bearer realm=\"http://auth.example.com/token\",service=\"x\""));
    RegistryVerifier strict = verifier(Set.of("127.0.0.1"), Map.of("auth.example.com", "192.0.2.10"));
    RegistryVerifier.Result result = strict.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, PASSWORD));
    assertThat(result.ok()).isFalse();
    assertThat(result.reason()).isEqualTo(RegistryVerifier.REFUSED);
    assertThat(result.message()).isEqualTo("the token service at 'auth.example.com' was not sent: it is plain http,"
        + " so the login would cross the network in clear text; the operator uses https unless an administrator adds"
        + " 'auth.example.com' or 'auth.example.com:80' to PULLSECRET_ALLOWED_ENDPOINT_HOSTS");
    registry.handler(r -> Response.json(401, "{}").withHeader("WWW-Authenticate", "Bearer realm=\"ftp://auth.example.com/token\""));
    assertThat(strict.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, PASSWORD)).message())
        .endsWith("sent a Bearer challenge with an invalid realm");
  }

  /**
   * Issue 17 #1: an IPv6 address that carries a refused IPv4 address is refused as that one. Built
   * with Inet6Address.getByAddress, as the resolver hands them over (getByName would turn the
   * mapped form into an Inet4Address); RegistryVerifierRealResolverTest covers the resolver. The rows,
   * refused and probed addresses, are in src/test/resources/verify/ipv6-addresses.csv.
   */
  @ParameterizedTest(name = "{0}: {1}")
  @CsvFileSource(resources = "/verify/ipv6-addresses.csv", nullValues = "null", delimiter = '|')
  void ipv6AddressesRefusedAndProbed(String address, String forbidden) throws Exception {
    assertThat(RegistryVerifier.forbidden(v6(address))).isEqualTo(forbidden);
  }

  /** The IPv4 addresses refused, and the private and public ones probed (src/test/resources/verify/ipv4-addresses.csv). */
  @ParameterizedTest(name = "{0}: {1}")
  @CsvFileSource(resources = "/verify/ipv4-addresses.csv", nullValues = "null", delimiter = '|')
  void ipv4AddressesRefusedAndProbed(String address, String forbidden) {
    assertThat(RegistryVerifier.forbidden(v4(address))).isEqualTo(forbidden);
  }

  static java.net.Inet6Address v6(String literal) throws UnknownHostException {
    byte[] bytes = InetAddress.getByName(literal).getAddress();
    if (bytes.length == 4) { // the JDK turned a mapped literal into IPv4: rebuild the IPv6 form
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xff;
      mapped[11] = (byte) 0xff;
      System.arraycopy(bytes, 0, mapped, 12, 4);
      bytes = mapped;
    }
    return java.net.Inet6Address.getByAddress(null, bytes, null);
  }

  static InetAddress v4(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Test
  void anonymousRegistryAndServerErrorsAndUnreachable() {
    registry.handler(r -> Response.json(200, "{}"));
    assertThat(login(PASSWORD))
        .satisfies(r -> assertThat(r.ok()).isTrue());
    registry.handler(r -> Response.json(503, "{}"));
    assertThat(login(PASSWORD))
        .satisfies(r -> {
          assertThat(r.ok()).isFalse();
          assertThat(r.httpStatus()).isEqualTo(503);
        });
    String gone = registry.hostPort();
    registry.close();
    assertThat(verifier.verify(gone, new RegistryLogin(gone, USER, PASSWORD)))
        .satisfies(r -> {
          assertThat(r.ok()).isFalse();
          assertThat(r.httpStatus()).isZero();
          assertThat(r.message()).doesNotContain(PASSWORD);
        });
  }

  @Test
  void verifiesEveryRegistryOfACredential() throws Exception {
    registry.handler(this::basicRegistry);
    try (StubServer other = StubServer.http()) {
      other.handler(this::basicRegistry);
      Credential good = Credential.of(List.of(new RegistryLogin(registry.hostPort(), USER, PASSWORD),
          new RegistryLogin(other.hostPort(), USER, PASSWORD)), null);
      assertThat(verifier.verify(good).ok()).isTrue();
      Credential bad = Credential.of(List.of(new RegistryLogin(registry.hostPort(), USER, PASSWORD),
          new RegistryLogin(other.hostPort(), USER, "bad-one")), null);
      assertThat(verifier.verify(bad)).satisfies(r -> {
        assertThat(r.ok()).isFalse();
        assertThat(r.message()).startsWith(other.hostPort());
      });
    }
  }

  static RegistryVerifier verifier(Set<String> allowed, Map<String, String> dns) {
    SSLContext tls;
    try {
      tls = SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return new RegistryVerifier(allowed, host -> {
      if (dns.containsKey(host)) {
        return new InetAddress[] {InetAddress.getByName(dns.get(host))};
      }
      if (host.endsWith(".multi")) {
        return new InetAddress[] {InetAddress.getByName("93.184.216.34"), InetAddress.getByName("127.0.0.1")};
      }
      if (host.endsWith(".invalid")) {
        throw new UnknownHostException(host);
      }
      return InetAddress.getAllByName(host);
    }, tls);
  }

  /** Issue 9 #2: loopback, link-local and unspecified addresses are never probed unless allowed. */
  @Test
  void refusesLoopbackLinkLocalAndUnspecifiedAddressesUnlessTheHostIsAllowed() {
    registry.handler(this::basicRegistry);
    int port = registry.port();
    RegistryVerifier strict = verifier(Set.of(), Map.of(
        "metadata.example.com", "169.254.169.254", "v6.example.com", "fe80::1", "zero.example.com", "0.0.0.0",
        "zero8.example.com", "0.1.2.3", "v4compat.example.com", "::127.0.0.1", "mapped.example.com", "::ffff:127.0.0.1"));
    for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port, "127.1.2.3:" + port,
        "metadata.example.com", "169.254.169.254", "v6.example.com", "[fe80::1]:5000", "zero.example.com:" + port,
        "0.0.0.0:" + port, "zero8.example.com", "v4compat.example.com", "mapped.example.com", "both.multi")) {
      RegistryVerifier.Result r = strict.verify(host, new RegistryLogin(host, USER, PASSWORD));
      assertThat(r.ok()).as(host).isFalse();
      assertThat(r.reason()).as(host).isEqualTo(RegistryVerifier.REFUSED);
      assertThat(r.httpStatus()).as(host).isZero();
      assertThat(r.message()).as(host).contains("was not sent").contains("PULLSECRET_ALLOWED_ENDPOINT_HOSTS")
          .doesNotContain(PASSWORD);
    }
    assertThat(registry.requests()).isEmpty();
    assertThat(strict.verify("nowhere.invalid", new RegistryLogin("nowhere.invalid", USER, PASSWORD)))
        .satisfies(r -> {
          assertThat(r.ok()).isFalse();
          assertThat(r.reason()).isNull();
          assertThat(r.message()).contains("does not resolve");
        });

    // The exact host:port on the allow-list: probed; another port of the same host is still refused.
    RegistryVerifier allowed = verifier(Set.of("127.0.0.1:" + port), Map.of());
    assertThat(allowed.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, PASSWORD)).ok()).isTrue();
    assertThat(allowed.verify("127.0.0.1:" + (port + 1), new RegistryLogin("127.0.0.1:" + (port + 1), USER, PASSWORD)).reason())
        .isEqualTo(RegistryVerifier.REFUSED);
    assertThat(verifier(Set.of("localhost"), Map.of()).verify("localhost:" + port, new RegistryLogin("localhost:" + port, USER, PASSWORD)).ok())
        .isTrue();
  }

  /** A token realm or a redirect pointing at a refused address gets no request and no credential. */
  @Test
  void realmsAndRedirectsToRefusedAddressesGetNoRequest() {
    RegistryVerifier onlyRegistry = verifier(Set.of(registry.hostPort()), Map.of());
    registry.handler(this::bearerRegistry);
    auth.handler(this::tokenService);
    RegistryVerifier.Result realm = onlyRegistry.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, PASSWORD));
    assertThat(realm.ok()).isFalse();
    assertThat(realm.reason()).isEqualTo(RegistryVerifier.REFUSED);
    assertThat(realm.message()).startsWith("the token service at '" + auth.hostPort() + "' was not sent");
    assertThat(auth.requests()).isEmpty();

    registry.handler(r -> Response.json(307, "{}").withHeader("Location", auth.url() + "/v2/"));
    RegistryVerifier.Result redirect = onlyRegistry.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, PASSWORD));
    assertThat(redirect.ok()).isFalse();
    assertThat(redirect.httpStatus()).isEqualTo(307);
    assertThat(redirect.message()).endsWith("answered HTTP 307 (redirects are not followed)");
    assertThat(auth.requests()).isEmpty();
  }

  /** Issue 9 #2: what a registry or token service answers never reaches the message, only its status. */
  @Test
  void messagesQuoteNoResponseBody() {
    String marker = "BODY-MARKER-" + "x".repeat(500);
    registry.handler(r -> Response.json(500, "{\"errors\":\"" + marker + "\"}"));
    assertThat(login(PASSWORD).message())
        .doesNotContain("BODY-MARKER").endsWith("answered HTTP 500");
    registry.handler(r -> Response.json(401, marker).withHeader("WWW-Authenticate", "Basic realm=\"" + marker + "\""));
    assertThat(login("wrong").message())
        .doesNotContain("BODY-MARKER").endsWith("HTTP 401");
    registry.handler(r -> Response.json(401, "{}")
        .withHeader("WWW-Authenticate", "Bearer realm=\"" + auth.url() + "/oauth2/token?" + marker + "\",service=\"x\""));
    auth.handler(r -> Response.json(403, "{\"details\":\"" + marker + "\"}"));
    RegistryVerifier.Result token = login(PASSWORD);
    assertThat(token.message()).doesNotContain("BODY-MARKER").endsWith("rejected the credential: HTTP 403");
    auth.handler(r -> Response.json(200, "{\"error\":\"" + marker + "\"}"));
    assertThat(login(PASSWORD).message())
        .doesNotContain("BODY-MARKER").endsWith("returned no token");
  }
}
