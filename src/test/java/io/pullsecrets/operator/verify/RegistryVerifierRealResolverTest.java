package io.pullsecrets.operator.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pullsecrets.operator.provider.cloud.TestTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: the probe against answers of the real system resolver. The registry hosts resolve,
 * through a private {@code /etc/hosts} in a {@link ResolverSandbox}, to IPv6 addresses that carry
 * a loopback IPv4 address ({@code ::ffff:127.0.0.1}: glibc returns it as is and Java makes an
 * Inet6Address of it, which the kernel connects to 127.0.0.1); and a plain http registry and
 * token realm are refused unless allow-listed. Skipped where the sandbox cannot be made, unless
 * PULLSECRET_REQUIRE_UNSHARE=true (CI).
 */
class RegistryVerifierRealResolverTest {
  @TempDir
  static Path dir;
  static Path hosts;

  @BeforeAll
  static void sandbox() throws Exception {
    String why = ResolverSandbox.unavailable();
    if (why != null && "true".equals(System.getenv(ResolverSandbox.REQUIRE))) {
      throw new IllegalStateException(ResolverSandbox.REQUIRE + "=true but " + why);
    }
    assumeTrue(why == null, why);
    hosts = dir.resolve("hosts");
    Files.writeString(hosts, String.join("\n",
        "127.0.0.1 localhost",
        "::1 localhost",
        "::ffff:127.0.0.1 mapped.test",
        "::ffff:169.254.169.254 metadata.test",
        "64:ff9b::7f00:1 nat64.test",
        "2002:7f00:1::1 sixtofour.test",
        "198.18.0.1 plain.test",
        ""));
  }

  /** Lines of the child's output by their first field; results by name. */
  record Facts(Map<String, String[]> results, List<String> connections, List<String> requests, List<String> hosts) {
    static Facts of(ResolverSandbox.Output out) {
      assertThat(out.exit()).as(out.stderr()).isZero();
      Map<String, String[]> results = new LinkedHashMap<>();
      List<String> connections = new java.util.ArrayList<>();
      List<String> requests = new java.util.ArrayList<>();
      List<String> hosts = new java.util.ArrayList<>();
      for (String line : out.stdout().split("\n")) {
        String[] f = line.split("\t");
        switch (f[0]) {
          case "result" -> results.put(f[1], Arrays.copyOfRange(f, 2, f.length));
          case "connections" -> connections.add(f[1]);
          case "requests" -> requests.add(f[1]);
          case "hosts" -> hosts.add(f[1]);
          default -> { }
        }
      }
      return new Facts(results, connections, requests, hosts);
    }

    /** ok, status, reason, message */
    String[] result(String name) {
      assertThat(results).containsKey(name);
      return results.get(name);
    }
  }

  static void assertRefused(String[] r, String messagePart) {
    assertThat(r[0]).as(r[3]).isEqualTo("false");
    assertThat(r[1]).isEqualTo("0");
    assertThat(r[2]).as(r[3]).isEqualTo(RegistryVerifier.REFUSED);
    assertThat(r[3]).contains("was not sent").contains(messagePart).contains("PULLSECRET_ALLOWED_ENDPOINT_HOSTS")
        .doesNotContain(RealResolverScenarios.PASSWORD);
  }

  @Test
  void theResolverReallyAnswersAnInet6AddressForTheMappedForm() throws Exception {
    ResolverSandbox.Output out = ResolverSandbox.java(hosts, RealResolverScenarios.class, List.of(), "resolve", "mapped.test");
    assertThat(out.stdout().strip()).as(out.stderr()).isEqualTo("address\tInet6Address\t0:0:0:0:0:ffff:7f00:1");
  }

  @Test
  void registriesResolvingToIpv6AddressesThatCarryLoopbackOrMetadataAreRefusedAndGetNoConnection() throws Exception {
    Facts facts = Facts.of(ResolverSandbox.java(hosts, RealResolverScenarios.class, List.of(),
        "registries", "mapped.test", "metadata.test", "nat64.test", "sixtofour.test"));
    assertThat(facts.connections()).as("connections to 127.0.0.1").containsExactly("0");
    assertRefused(facts.result("mapped.test"), "'mapped.test' resolves to a loopback (IPv4 inside IPv6) address");
    assertRefused(facts.result("metadata.test"), "'metadata.test' resolves to a link-local (IPv4 inside IPv6) address");
    assertRefused(facts.result("nat64.test"), "loopback (IPv4 inside IPv6)");
    assertRefused(facts.result("sixtofour.test"), "loopback (IPv4 inside IPv6)");
  }

  @Test
  void aTokenRealmResolvingToAMappedLoopbackAddressIsRefusedAndGetsNoConnection() throws Exception {
    Facts facts = Facts.of(ResolverSandbox.java(hosts, RealResolverScenarios.class, List.of(), "realm", "mapped.test"));
    assertThat(facts.connections()).as("connections to 127.0.0.1").containsExactly("0");
    String[] r = facts.result("mapped.test");
    assertRefused(r, "'mapped.test' resolves to a loopback (IPv4 inside IPv6) address");
    assertThat(r[3]).contains("the token service at 'mapped.test:");
  }

  /** Issue 17 #6: the login never crosses the network in clear text unless an administrator allows the host. */
  @Test
  void plainHttpRegistriesAndRealmsAreRefusedUnlessAllowListed() throws Exception {
    Facts facts = Facts.of(ResolverSandbox.java(hosts, RealResolverScenarios.class, List.of(), "cleartext"));
    // No request reached the plain http server until the host was allow-listed; then it was probed.
    assertThat(facts.requests()).as("requests to the plain http server").first().isEqualTo("0");
    assertRefused(facts.result("registry"), "clear text");
    assertThat(facts.result("registry")[3]).contains("GET http://plain.test:");
    assertRefused(facts.result("realm"), "clear text");
    assertThat(facts.result("realm")[3]).contains("the token service at 'plain.test:");
    assertThat(facts.result("allowed")[0]).as(facts.result("allowed")[3]).isEqualTo("true");
    assertThat(facts.requests()).last().isEqualTo("1");
  }

  /**
   * DNS rebinding: the host resolves to an allowed address when it is checked, and to 127.0.0.1
   * by the time the login is sent (the registry rewrites /etc/hosts and closes the connection;
   * the child JVM caches no address). The probe connects only to the address it checked.
   */
  @Test
  void theLoginGoesToTheCheckedAddressWhenTheDnsAnswerChangesToLoopback() throws Exception {
    KeyStore keys = TestTls.generate("stub", "CN=rebind.test", "-keyalg", "EC", "-groupname", "secp256r1", "-ext", "SAN=DNS:rebind.test");
    Path keyStore = dir.resolve("rebind.p12");
    try (var out = Files.newOutputStream(keyStore)) {
      keys.store(out, TestTls.PASSWORD);
    }
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("stub", keys.getCertificate("stub"));
    Path trustStore = dir.resolve("trust.p12");
    try (var out = Files.newOutputStream(trustStore)) {
      trust.store(out, TestTls.PASSWORD);
    }
    Path rebindHosts = dir.resolve("hosts-rebind");
    Files.writeString(rebindHosts, "127.0.0.1 localhost\n" + ResolverSandbox.ADDRESS + " rebind.test\n");

    Facts facts = Facts.of(ResolverSandbox.java(rebindHosts, RealResolverScenarios.class,
        List.of("-Dsun.net.inetaddr.ttl=0", "-Djavax.net.ssl.trustStore=" + trustStore,
            "-Djavax.net.ssl.trustStorePassword=" + new String(TestTls.PASSWORD), "-Djavax.net.ssl.trustStoreType=PKCS12"),
        "rebind", keyStore.toString()));
    assertThat(facts.requests()).as("requests that reached 127.0.0.1").containsExactly("0");
    assertThat(facts.hosts()).as("rebind.test pointed at 127.0.0.1 during the probe").containsExactly("true");
    String[] r = facts.result("rebind.test");
    assertThat(r[0]).as(r[3]).isEqualTo("true");
    assertThat(r[3]).contains("accepted the credential (Basic)");
    assertThat(facts.connections()).as("logins at the checked address").containsExactly("1");
  }
}
