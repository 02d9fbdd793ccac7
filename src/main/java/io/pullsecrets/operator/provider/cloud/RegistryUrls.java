package io.pullsecrets.operator.provider.cloud;

import java.net.URI;
import java.util.Locale;

/** URLs of a registry host, the way docker builds them: https, except for loopback hosts. */
public final class RegistryUrls {
  private RegistryUrls() {}

  /**
   * {@code https://<host>}, or {@code http://<host>} when the host is {@code localhost} or in
   * 127.0.0.0/8 (with or without a port), as docker treats those as insecure registries.
   * A value that already has a scheme keeps it.
   */
  public static URI base(String registry) {
    String r = registry.trim();
    while (r.endsWith("/")) {
      r = r.substring(0, r.length() - 1);
    }
    if (r.startsWith("https://") || r.startsWith("http://")) {
      return URI.create(r);
    }
    return URI.create((isLoopback(hostOf(r)) ? "http://" : "https://") + r);
  }

  /** {@link #base} plus an absolute path. */
  public static URI resolve(String registry, String path) {
    return URI.create(base(registry).toString() + path);
  }

  static String hostOf(String hostPort) {
    String h = hostPort;
    int slash = h.indexOf('/');
    if (slash >= 0) {
      h = h.substring(0, slash);
    }
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 0 ? h.substring(1, end) : h;
    }
    int colon = h.lastIndexOf(':');
    return colon >= 0 ? h.substring(0, colon) : h;
  }

  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.equals("::1") || h.matches("127(\\.\\d{1,3}){3}");
  }
}
