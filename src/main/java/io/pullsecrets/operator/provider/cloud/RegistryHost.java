package io.pullsecrets.operator.provider.cloud;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry as docker names it, {@code host} or {@code host:port}: the key of a
 * {@code .dockerconfigjson} entry. The one parser of registry hosts for every provider and
 * every check of them: blanks around, an {@code http://} or {@code https://} prefix and trailing
 * slashes are dropped; anything else than a host name, an IPv4 address or a bracketed IPv6
 * address, with an optional numeric port, is refused.
 *
 * @param name {@code host} or {@code host:port} as written (case kept: it becomes the docker config key)
 * @param host the host in lower case, without brackets
 * @param port the port, or -1 when none is written
 */
public record RegistryHost(String name, String host, int port) {
  private static final Pattern HOST_PORT =
      Pattern.compile("(?<host>[A-Za-z0-9._-]+|\\[(?<ipv6>[0-9A-Fa-f:.]+)\\])(:(?<port>[0-9]{1,5}))?");
  private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.[0-9]{1,3}){3}");

  /** The registry named by {@code value}, or empty when it is not a host with an optional port. */
  public static Optional<RegistryHost> parse(String value) {
    String v = value == null ? "" : value.trim();
    String lower = v.toLowerCase(Locale.ROOT);
    if (lower.startsWith("https://")) {
      v = v.substring("https://".length());
    } else if (lower.startsWith("http://")) {
      v = v.substring("http://".length());
    }
    while (v.endsWith("/")) {
      v = v.substring(0, v.length() - 1);
    }
    Matcher m = HOST_PORT.matcher(v);
    if (!m.matches()) {
      return Optional.empty();
    }
    String host = m.group("ipv6") != null ? m.group("ipv6") : m.group("host");
    int port = m.group("port") == null ? -1 : Integer.parseInt(m.group("port"));
    if (port > 65535) {
      return Optional.empty();
    }
    return Optional.of(new RegistryHost(v, host.toLowerCase(Locale.ROOT), port));
  }

  /** Whether a host (with or without IPv6 brackets) is {@code localhost}, ::1 or in 127.0.0.0/8. */
  public static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost") || h.equals("::1") || LOOPBACK_V4.matcher(h).matches();
  }

  /**
   * The URL of {@code path} on a registry named as in a docker config: the name's own scheme
   * when it has one, else {@link #resolve} of the parsed host.
   *
   * @throws IllegalArgumentException when no URL can be made of it
   */
  public static URI url(String registry, String path) {
    String r = registry.trim();
    while (r.endsWith("/")) {
      r = r.substring(0, r.length() - 1);
    }
    String lower = r.toLowerCase(Locale.ROOT);
    if (lower.startsWith("https://") || lower.startsWith("http://")) {
      return URI.create(r + path);
    }
    String given = r;
    return parse(r).map(h -> h.resolve(path)).orElseGet(() -> URI.create("https://" + given + path));
  }

  /** The same registry with its name in lower case (for registries whose hosts are matched by pattern). */
  public RegistryHost lowerCase() {
    return new RegistryHost(name.toLowerCase(Locale.ROOT), host, port);
  }

  public boolean loopback() {
    return isLoopback(host);
  }

  /** The port, or the one docker uses: 80 for loopback hosts (plain http), 443 otherwise. */
  public int effectivePort() {
    return port >= 0 ? port : (loopback() ? 80 : 443);
  }

  /**
   * {@code https://<name>}, or {@code http://<name>} for loopback hosts, as docker treats those
   * as insecure registries.
   */
  public URI base() {
    return URI.create((loopback() ? "http://" : "https://") + name);
  }

  /** {@link #base} plus an absolute path. */
  public URI resolve(String path) {
    return URI.create(base() + path);
  }

  @Override
  public String toString() {
    return name;
  }
}
