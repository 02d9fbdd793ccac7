package io.pullsecrets.operator.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.RegistryLogin;
import io.pullsecrets.operator.provider.cloud.RegistryHost;
import io.pullsecrets.operator.provider.cloud.TokenPolicy;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.routing.SystemDefaultRoutePlanner;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.io.CloseMode;

/**
 * Probes a registry's {@code /v2/} endpoint with a login, the way docker does: an anonymous
 * {@code GET /v2/}; on a {@code Basic} challenge the same request with Basic credentials; on a
 * {@code Bearer realm=..,service=..} challenge a token from the realm (Basic credentials,
 * {@code service} and no scope) and the request again with that token. Never throws for network
 * or registry failures, and the message never contains the password, a token or anything the
 * registry answered besides its HTTP status.
 *
 * <p>The probe runs in the operator's pod on a tenant's behalf. Before every request (the
 * registry and its token realm) it is refused, with reason {@link #REFUSED} and no request made,
 * unless the administrator put the host (or host:port) into
 * {@link OperatorConfig.Setting#ALLOWED_ENDPOINT_HOSTS}, when
 * <ul>
 *   <li>any address the host resolves to is loopback, link-local, unspecified, multicast,
 *       broadcast or a cloud metadata address, also when an IPv6 address carries such an IPv4
 *       address ({@link #forbidden}); private ranges are probed;
 *   <li>or the URL is plain {@code http} (a registry named {@code http://..}, or a loopback host,
 *       which docker reaches over http): the login would cross the network in clear text.
 * </ul>
 * Each host is resolved once per probe, and the probe connects only to the addresses it checked
 * (a DNS answer that changes meanwhile does not move the login elsewhere). Redirects are never
 * followed.
 */
public final class RegistryVerifier {
  private static final Pattern PARAM = Pattern.compile("([A-Za-z_]+)=\"([^\"]*)\"|([A-Za-z_]+)=([^,\\s]+)");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long CONNECT_TIMEOUT_SECONDS = 10;
  private static final int TIMEOUT_SECONDS = 15;
  private static final int MAX_TOKEN_RESPONSE = 256 * 1024;
  private static final int MAX_QUOTED = 120;
  /** Reason of a probe the operator refused to make. */
  public static final String REFUSED = io.pullsecrets.operator.api.Reasons.REFUSED;

  /**
   * The outcome of a probe.
   *
   * @param ok whether the registry accepted the login (or needs none)
   * @param httpStatus the HTTP status of the last answer (0 when no answer arrived)
   * @param message one line for the Verified condition, without secrets or response content
   * @param reason the condition's reason when the outcome is not an HTTP answer (e.g.
   *     {@link #REFUSED}); null to derive it from the status
   */
  public record Result(boolean ok, int httpStatus, String message, String reason) {
    public Result(boolean ok, int httpStatus, String message) {
      this(ok, httpStatus, message, null);
    }
  }

  /** Resolves a host name to all of its addresses. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private final Set<String> allowedHosts;
  private final Resolver resolver;
  private final SSLContext tls;

  /** Production without allowed hosts. */
  public RegistryVerifier() {
    this(Set.of());
  }

  /** Production: the system resolver and the JVM's default TLS settings (trust store, protocols). */
  public RegistryVerifier(Set<String> allowedHosts) {
    this(allowedHosts, InetAddress::getAllByName, defaultTls());
  }

  /**
   * @param allowedHosts {@code host} or {@code host:port} entries that may be probed whatever
   *     they resolve to ({@link OperatorConfig#allowedEndpointHosts()})
   * @param resolver resolves each host once per probe; the probe connects only to its answer
   * @param tls trust and protocols for https
   */
  public RegistryVerifier(Set<String> allowedHosts, Resolver resolver, SSLContext tls) {
    this.allowedHosts = Set.copyOf(allowedHosts);
    this.resolver = Objects.requireNonNull(resolver, "resolver");
    this.tls = Objects.requireNonNull(tls, "tls");
  }

  private static SSLContext defaultTls() {
    try {
      return SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("no default TLS context", e);
    }
  }

  /** What a request got back: the status, the WWW-Authenticate header, the first bytes of the body when asked for. */
  private record Answer(int status, String challenge, byte[] body) {}

  /**
   * The state of one probe: its HTTP client, and the addresses each host resolved to when it was
   * checked. The client's DNS resolver answers from those, so every connection goes to an address
   * that was checked, however the host's DNS answers change meanwhile (DNS rebinding). Hosts that
   * were not checked (the allow-listed ones, a proxy) are resolved by the system.
   */
  private record Session(CloseableHttpClient http, Map<String, InetAddress[]> pinned) implements AutoCloseable {
    @Override
    public void close() {
      http.close(CloseMode.IMMEDIATE);
    }
  }

  private Session session() {
    Map<String, InetAddress[]> pinned = new ConcurrentHashMap<>();
    DnsResolver dns = new DnsResolver() {
      @Override
      public InetAddress[] resolve(String host) throws UnknownHostException {
        InetAddress[] checked = pinned.get(key(host));
        return checked != null ? checked.clone() : resolver.resolve(host);
      }

      @Override
      public String resolveCanonicalHostname(String host) {
        return host;
      }
    };
    CloseableHttpClient http = HttpClients.custom()
        .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
            .setDnsResolver(dns)
            .setTlsSocketStrategy(new DefaultClientTlsStrategy(tls))
            .setDefaultConnectionConfig(ConnectionConfig.custom()
                .setConnectTimeout(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .setSocketTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS).build())
            .build())
        .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS).build())
        // The JVM's proxy settings (https.proxyHost, ...), as the JDK's clients follow them.
        .setRoutePlanner(new SystemDefaultRoutePlanner(java.net.ProxySelector.getDefault()))
        // Credentials stay with the host: no redirects; no retries, cookies or cached auth either.
        .disableRedirectHandling()
        .disableAutomaticRetries()
        .disableCookieManagement()
        .disableAuthCaching()
        .disableContentCompression()
        .disableDefaultUserAgent()
        .build();
    return new Session(http, pinned);
  }

  /** A host as the pins know it: lower case, without IPv6 brackets. */
  private static String key(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  /** Probes {@code registry} (a host, host:port, or URL) with {@code login}. */
  public Result verify(String registry, RegistryLogin login) {
    URI v2;
    try {
      v2 = RegistryHost.url(registry, "/v2/");
      if (v2.getHost() == null) {
        throw new IllegalArgumentException("no host");
      }
    } catch (IllegalArgumentException e) {
      return new Result(false, 0, "cannot probe registry " + quote(registry) + ": not a valid host");
    }
    String basic = "Basic " + Base64.getEncoder().encodeToString(
        (login.username() + ":" + login.password()).getBytes(StandardCharsets.UTF_8));
    try (Session session = session()) {
      Optional<Result> refused = refuse(session, v2, "GET " + v2);
      if (refused.isPresent()) {
        return refused.get();
      }
      Answer first = get(session, v2, null);
      if (first.status() == 200) {
        return new Result(true, 200, "GET " + v2 + " answered 200 without authentication");
      }
      if (first.status() != 401) {
        return new Result(false, first.status(), "GET " + v2 + " answered HTTP " + first.status() + redirect(first.status()));
      }
      Optional<String> challenge = Optional.ofNullable(first.challenge());
      String scheme = challenge.map(c -> c.trim().split("\\s+", 2)[0].toLowerCase(Locale.ROOT)).orElse("basic");
      if (scheme.equals("bearer")) {
        return bearer(session, v2, challenge.get(), basic);
      }
      if (!scheme.equals("basic")) {
        return new Result(false, 401, "GET " + v2 + " asked for an unsupported authentication scheme");
      }
      Answer second = get(session, v2, basic);
      return second.status() == 200
          ? new Result(true, 200, "GET " + v2 + " accepted the credential (Basic)")
          : new Result(false, second.status(), "GET " + v2 + " rejected the credential (Basic): HTTP " + second.status()
              + redirect(second.status()));
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        return new Result(false, 0, "GET " + v2 + " was interrupted");
      }
      return new Result(false, 0, "GET " + v2 + " failed: " + e.getClass().getSimpleName());
    } catch (IllegalArgumentException e) {
      return new Result(false, 0, "cannot probe registry " + quote(registry) + ": not a valid host");
    }
  }

  private Result bearer(Session session, URI v2, String challenge, String basic) throws IOException {
    Map<String, String> params = params(challenge.trim().substring("bearer".length()));
    String realm = params.get("realm");
    if (realm == null || realm.isBlank()) {
      return new Result(false, 401, "GET " + v2 + " sent a Bearer challenge without realm");
    }
    URI realmUri;
    try {
      realmUri = URI.create(realm);
    } catch (IllegalArgumentException e) {
      return new Result(false, 401, "GET " + v2 + " sent a Bearer challenge with an invalid realm");
    }
    if (realmUri.getHost() == null
        || !("https".equalsIgnoreCase(realmUri.getScheme()) || "http".equalsIgnoreCase(realmUri.getScheme()))) {
      return new Result(false, 401, "GET " + v2 + " sent a Bearer challenge with an invalid realm");
    }
    String where = "the token service at " + quote(hostPort(realmUri));
    Optional<Result> refused = refuse(session, realmUri, where);
    if (refused.isPresent()) {
      return refused.get();
    }
    StringBuilder url = new StringBuilder(realm);
    if (params.containsKey("service")) {
      url.append(realm.contains("?") ? '&' : '?').append("service=")
          .append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
    }
    URI tokenUri = URI.create(url.toString());
    Answer tokenResponse = send(session, tokenUri, basic, MAX_TOKEN_RESPONSE);
    byte[] body = tokenResponse.body();
    if (tokenResponse.status() != 200) {
      return new Result(false, tokenResponse.status(),
          where + " rejected the credential: HTTP " + tokenResponse.status() + redirect(tokenResponse.status()));
    }
    String token = null;
    try {
      JsonNode node = JSON.readTree(body);
      if (node != null) {
        token = node.hasNonNull("token") ? node.get("token").asText() : node.path("access_token").asText(null);
      }
    } catch (IOException e) {
      token = null;
    }
    if (token == null || token.isBlank()) {
      return new Result(false, tokenResponse.status(), where + " returned no token");
    }
    Answer second = get(session, v2, "Bearer " + token);
    return second.status() == 200
        ? new Result(true, 200, "GET " + v2 + " accepted the credential (Bearer token from " + where + ")")
        : new Result(false, second.status(),
            "GET " + v2 + " rejected the Bearer token from " + where + ": HTTP " + second.status() + redirect(second.status()));
  }

  /**
   * Empty when {@code uri} may be probed: its host is on the allow-list, or it is https and none
   * of the host's addresses is refused ({@link #forbidden}). A host is resolved once per probe:
   * the session connects to these addresses only.
   */
  private Optional<Result> refuse(Session session, URI uri, String what) {
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String scheme = uri.getScheme() == null ? "https" : uri.getScheme().toLowerCase(Locale.ROOT);
    int port = uri.getPort() >= 0 ? uri.getPort() : (scheme.equals("http") ? 80 : 443);
    if (TokenPolicy.allowedHost(allowedHosts, host, port)) {
      return Optional.empty();
    }
    InetAddress[] addresses = session.pinned().get(key(host));
    if (addresses == null) {
      try {
        addresses = resolver.resolve(host).clone();
      } catch (UnknownHostException e) {
        return Optional.of(new Result(false, 0, what + ": the host " + quote(host) + " does not resolve"));
      }
      if (addresses.length == 0) {
        return Optional.of(new Result(false, 0, what + ": the host " + quote(host) + " does not resolve"));
      }
      session.pinned().put(key(host), addresses);
    }
    for (InetAddress a : addresses) {
      String kind = forbidden(a);
      if (kind != null) {
        return Optional.of(new Result(false, 0, what + " was not sent: " + quote(host) + " resolves to a " + kind
            + " address, which the operator does not probe unless an administrator adds the host to "
            + OperatorConfig.Setting.ALLOWED_ENDPOINT_HOSTS.env, REFUSED));
      }
    }
    if (!scheme.equals("https")) {
      String entry = host.contains(":") ? "[" + host + "]" : host;
      return Optional.of(new Result(false, 0, what + " was not sent: it is plain " + scheme
          + ", so the login would cross the network in clear text; the operator uses https unless an administrator adds "
          + quote(entry) + " or " + quote(entry + ":" + port) + " to " + OperatorConfig.Setting.ALLOWED_ENDPOINT_HOSTS.env, REFUSED));
    }
    return Optional.empty();
  }

  /**
   * What kind of refused address {@code a} is, or null when it may be probed. Refused: loopback,
   * unspecified, link-local, multicast, broadcast and the cloud metadata addresses outside those
   * ranges; for IPv6, also an address that carries a refused IPv4 address and routes to it
   * ({@link #embeddedIpv4}). Private ranges are allowed: registries live there.
   */
  public static String forbidden(InetAddress a) {
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return forbiddenIpv4(b);
    }
    if (a.isLoopbackAddress()) {
      return "loopback";
    }
    if (a.isAnyLocalAddress()) {
      return "unspecified";
    }
    if (a.isLinkLocalAddress()) {
      return "link-local";
    }
    if (a.isMulticastAddress()) {
      return "multicast";
    }
    if (METADATA.contains(a)) {
      return "cloud metadata";
    }
    byte[] v4 = embeddedIpv4(b);
    String kind = v4 == null ? null : forbiddenIpv4(v4);
    return kind == null ? null : kind + " (IPv4 inside IPv6)";
  }

  /**
   * Cloud platform endpoints outside the refused ranges: AWS's instance metadata on IPv6
   * (fd00:ec2::254, inside fc00::/7), Alibaba Cloud's metadata (100.100.100.200, inside
   * 100.64.0.0/10) and Azure's WireServer (168.63.129.16). The others (169.254.169.254,
   * 169.254.170.2, fe80::a9fe:a9fe) are link-local.
   */
  private static final Set<InetAddress> METADATA = Set.of(literal("fd00:ec2::254"), literal("100.100.100.200"),
      literal("168.63.129.16"));

  private static InetAddress literal(String address) {
    try {
      return InetAddress.getByName(address); // a literal: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(address, e);
    }
  }

  /** {@link #forbidden} of the four bytes of an IPv4 address. */
  static String forbiddenIpv4(byte[] b) {
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    if (first == 127) {
      return "loopback";
    }
    if (first == 0) {
      return "unspecified";
    }
    if (first == 169 && second == 254) {
      return "link-local";
    }
    if (first >= 224 && first <= 239) {
      return "multicast";
    }
    if ((b[0] & b[1] & b[2] & b[3]) == (byte) 0xff) {
      return "broadcast";
    }
    try {
      return METADATA.contains(InetAddress.getByAddress(b)) ? "cloud metadata" : null;
    } catch (UnknownHostException e) {
      return null; // four bytes always make an address
    }
  }

  /**
   * The IPv4 address that an IPv6 address (16 bytes) embeds and is delivered to, or null: IPv4-mapped
   * {@code ::ffff:0:0/96} (the kernel connects to the IPv4 address itself), IPv4-compatible
   * {@code ::/96}, NAT64 {@code 64:ff9b::/96} and the local-use {@code 64:ff9b:1::/96} layout,
   * 6to4 {@code 2002::/16} (bytes 2 to 5) and Teredo {@code 2001::/32} (the client, the last four
   * bytes inverted).
   */
  static byte[] embeddedIpv4(byte[] b) {
    if (zeros(b, 0, 10) && (b[10] & b[11]) == (byte) 0xff) {
      return java.util.Arrays.copyOfRange(b, 12, 16);
    }
    if (zeros(b, 0, 12)) {
      return java.util.Arrays.copyOfRange(b, 12, 16);
    }
    boolean nat64 = b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b;
    if (nat64 && zeros(b, 4, 12)) {
      return java.util.Arrays.copyOfRange(b, 12, 16);
    }
    if (nat64 && b[4] == 0 && b[5] == 1 && zeros(b, 6, 12)) {
      return java.util.Arrays.copyOfRange(b, 12, 16);
    }
    if (b[0] == 0x20 && b[1] == 0x02) {
      return java.util.Arrays.copyOfRange(b, 2, 6);
    }
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
      return new byte[] {(byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]};
    }
    return null;
  }

  private static boolean zeros(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static String redirect(int status) {
    return status >= 300 && status < 400 ? " (redirects are not followed)" : "";
  }

  private static String hostPort(URI uri) {
    return uri.getPort() >= 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost();
  }

  private static String quote(String text) {
    return "'" + shorten(text) + "'";
  }

  /** A text from a spec or a registry, shortened: status never carries it unbounded. */
  private static String shorten(String text) {
    String t = text == null ? "" : text;
    return t.length() > MAX_QUOTED ? t.substring(0, MAX_QUOTED - 3) + "..." : t;
  }

  private Answer get(Session session, URI uri, String authorization) throws IOException {
    return send(session, uri, authorization, 0);
  }

  /** GET {@code uri}; reads at most {@code maxBody} bytes of the body, then drops the connection. */
  private Answer send(Session session, URI uri, String authorization, int maxBody) throws IOException {
    HttpGet get = new HttpGet(uri);
    get.setHeader("User-Agent", "pullsecret-operator");
    get.setHeader("Docker-Distribution-API-Version", "registry/2.0");
    if (authorization != null) {
      get.setHeader("Authorization", authorization);
    }
    try {
      ClassicHttpResponse response = session.http().executeOpen(null, get, null);
      byte[] body = new byte[0];
      if (maxBody > 0 && response.getEntity() != null) {
        body = response.getEntity().getContent().readNBytes(maxBody);
      }
      Header challenge = response.getFirstHeader("WWW-Authenticate");
      return new Answer(response.getCode(), challenge == null ? null : challenge.getValue(), body);
    } finally {
      // Closes the connection without reading the rest of the body, however long it is.
      get.cancel();
    }
  }

  static Map<String, String> params(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = PARAM.matcher(text);
    while (m.find()) {
      if (m.group(1) != null) {
        out.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2));
      } else {
        out.put(m.group(3).toLowerCase(Locale.ROOT), m.group(4));
      }
    }
    return out;
  }

  /**
   * Probes every registry of a credential (as rendered in its {@code .dockerconfigjson}, from
   * {@code username}/{@code password} or {@code auth}): the first failure, or the last success.
   */
  public Result verify(io.pullsecrets.operator.provider.Credential credential) {
    List<RegistryLogin> logins = new java.util.ArrayList<>();
    try {
      JsonNode auths = JSON.readTree(credential.dockerConfigJson()).path("auths");
      for (var it = auths.fields(); it.hasNext(); ) {
        var e = it.next();
        String user = e.getValue().path("username").asText(null);
        String pass = e.getValue().path("password").asText(null);
        if ((user == null || pass == null) && e.getValue().hasNonNull("auth")) {
          String decoded = new String(Base64.getDecoder().decode(e.getValue().get("auth").asText()), StandardCharsets.UTF_8);
          int colon = decoded.indexOf(':');
          if (colon > 0) {
            user = decoded.substring(0, colon);
            pass = decoded.substring(colon + 1);
          }
        }
        if (user != null && pass != null) {
          logins.add(new RegistryLogin(e.getKey(), user, pass));
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      return new Result(false, 0, "the credential is not a readable docker config");
    }
    return verifyAll(logins);
  }

  /** Convenience for callers with a list of logins: the first failure, or the last success. */
  public Result verifyAll(List<RegistryLogin> logins) {
    Result last = new Result(false, 0, "no registries to verify");
    for (RegistryLogin login : logins) {
      last = verify(login.registry(), login);
      if (!last.ok()) {
        return new Result(false, last.httpStatus(), shorten(login.registry()) + ": " + last.message(), last.reason());
      }
    }
    return last;
  }
}
