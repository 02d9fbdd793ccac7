package io.pullsecrets.operator.provider.cloud;

import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.verify.RegistryVerifier;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;

/**
 * Where an admin credential read from a tenant's Secret may be sent: the base URL named by the
 * same RegistryCredential, checked and resolved once. Unless an administrator allowed the host
 * (or host:port) on {@link OperatorConfig.Setting#ALLOWED_ENDPOINT_HOSTS}, it must be https and
 * every address the host resolves to may be reached ({@link RegistryVerifier#forbidden}: no
 * loopback, link-local, unspecified, multicast, broadcast or cloud metadata address; private
 * ranges are allowed). The check holds in trusted namespaces too: an admin credential never goes
 * to the operator's own surroundings. Clients connect to {@link #addresses()} only, so a DNS
 * answer that changes after the check does not move the credential elsewhere.
 *
 * @param scheme https, or http for an allow-listed host
 * @param host lower case, without IPv6 brackets
 * @param port the explicit port, or -1
 * @param addresses what the host resolved to (all checked), or null for an allow-listed host
 */
public record AdminEndpoint(String scheme, String host, int port, InetAddress[] addresses) {
  private static final int MAX_QUOTED = 120;

  public String hostPort() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return port >= 0 ? h + ":" + port : h;
  }

  public int effectivePort() {
    return port >= 0 ? port : (scheme.equals("http") ? 80 : 443);
  }

  public URI uri(String rawPathAndQuery) {
    return URI.create(scheme + "://" + hostPort() + rawPathAndQuery);
  }

  /**
   * Checks {@code url} (the value of the spec field {@code field}) as the base URL of {@code product}.
   *
   * @throws ProviderException InvalidSpec for a URL that is not a base URL, NotPermitted for plain
   *     http or a forbidden address, ProviderUnavailable when the host does not resolve
   */
  public static AdminEndpoint check(Set<String> allowedEndpointHosts, RegistryVerifier.Resolver resolver, String field,
      String product, String url) throws ProviderException {
    URI uri;
    try {
      uri = new URI(url == null ? "" : url.trim());
    } catch (URISyntaxException e) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC, field + " " + quote(String.valueOf(url)) + " is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String rawHost = uri.getHost();
    if (rawHost == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC, field + " " + quote(url) + " is not an https URL");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null
        || !(path.isEmpty() || path.equals("/"))) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC, field + " " + quote(url) + " must be " + product
          + "'s base URL, https://host[:port], without user, path, query or fragment");
    }
    String host = rawHost.toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    AdminEndpoint unresolved = new AdminEndpoint(scheme, host, uri.getPort(), null);
    if (TokenPolicy.allowedHost(allowedEndpointHosts, host, unresolved.effectivePort())) {
      return unresolved;
    }
    if (!scheme.equals("https")) {
      throw ProviderException.invalid(Reasons.NOT_PERMITTED, field + " " + quote(url) + " is plain http: the admin"
          + " credential would cross the network in clear text; use https, or an administrator adds "
          + quote(unresolved.hostPort()) + " to " + OperatorConfig.Setting.ALLOWED_ENDPOINT_HOSTS.env);
    }
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(host).clone();
    } catch (UnknownHostException e) {
      addresses = new InetAddress[0];
    }
    if (addresses.length == 0) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, field + ": the host " + quote(host)
          + " does not resolve");
    }
    for (InetAddress a : addresses) {
      String kind = RegistryVerifier.forbidden(a);
      if (kind != null) {
        throw ProviderException.invalid(Reasons.NOT_PERMITTED, field + ": " + quote(host) + " resolves to a " + kind
            + " address, where the operator never sends an admin credential unless an administrator adds the host to "
            + OperatorConfig.Setting.ALLOWED_ENDPOINT_HOSTS.env);
      }
    }
    return new AdminEndpoint(scheme, host, uri.getPort(), addresses);
  }

  /** A text from the spec or from a server in quotes, shortened. */
  public static String quote(String text) {
    String t = text == null ? "" : text;
    t = t.length() > MAX_QUOTED ? t.substring(0, MAX_QUOTED - 3) + "..." : t;
    return "'" + t + "'";
  }

  @Override
  public String toString() {
    return "AdminEndpoint[" + scheme + "://" + hostPort() + "]";
  }

  /**
   * The one HTTP client for calls to this endpoint: connections only to the addresses checked when
   * it was resolved (no second DNS answer can point it elsewhere), TLS verified with {@code tls}, no
   * redirects, retries, cookies, cached auth or compression, every wait bounded by {@code timeoutSeconds}.
   */
  public CloseableHttpClient httpClient(SSLContext tls, int timeoutSeconds) {
    InetAddress[] pinned = addresses();
    DnsResolver dns = new DnsResolver() {
      @Override
      public InetAddress[] resolve(String host) throws UnknownHostException {
        if (pinned != null) {
          return pinned.clone();
        }
        return InetAddress.getAllByName(host); // an allow-listed host
      }

      @Override
      public String resolveCanonicalHostname(String host) {
        return host;
      }
    };
    return HttpClients.custom()
        .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
            .setDnsResolver(dns)
            .setTlsSocketStrategy(new DefaultClientTlsStrategy(tls))
            .setDefaultConnectionConfig(ConnectionConfig.custom()
                .setConnectTimeout(timeoutSeconds, TimeUnit.SECONDS)
                .setSocketTimeout(timeoutSeconds, TimeUnit.SECONDS).build())
            .build())
        .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(timeoutSeconds, TimeUnit.SECONDS).build())
        .disableRedirectHandling()
        .disableAutomaticRetries()
        .disableCookieManagement()
        .disableAuthCaching()
        .disableContentCompression()
        .build();
  }
}
