package io.pullsecrets.operator.health;

import java.util.Locale;

/**
 * Whether a registry key of a docker config serves an image, by the kubelet's rules (its
 * credential provider keyring): the key and the image's registry are compared as URLs without
 * scheme; the hosts must have as many dot-separated labels, each label matching as a glob
 * ({@code *.example.com} serves {@code a.example.com}, not {@code a.b.example.com} nor
 * {@code example.com}); ports must be equal; and the key's path, when it has one, must be a prefix
 * of the image's repository path. An image without a registry host is on Docker Hub.
 */
public final class RegistryMatch {
  static final String DOCKER_HUB = "docker.io";

  private RegistryMatch() {}

  /** An image reference's registry and repository path ({@code host[:port]}, {@code path}), tag and digest dropped. */
  record Reference(String host, String path) {}

  static Reference parse(String image) {
    String ref = image;
    int at = ref.indexOf('@');
    if (at >= 0) {
      ref = ref.substring(0, at);
    }
    int slash = ref.indexOf('/');
    String first = slash < 0 ? "" : ref.substring(0, slash);
    String host;
    String path;
    if (slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"))) {
      host = first.toLowerCase(Locale.ROOT);
      path = ref.substring(slash + 1);
    } else {
      host = DOCKER_HUB;
      path = slash < 0 ? "library/" + ref : ref;
    }
    int colon = path.lastIndexOf(':');
    if (colon >= 0) {
      path = path.substring(0, colon);
    }
    return new Reference(host, path);
  }

  /** Whether the docker config key {@code key} serves {@code image}. */
  public static boolean serves(String key, String image) {
    if (key == null || image == null) {
      return false;
    }
    Reference target = parse(image);
    String k = key.trim();
    int scheme = k.indexOf("://");
    if (scheme >= 0) {
      k = k.substring(scheme + 3);
    }
    int slash = k.indexOf('/');
    String keyHost = (slash < 0 ? k : k.substring(0, slash)).toLowerCase(Locale.ROOT);
    String keyPath = slash < 0 ? "" : trimSlashes(k.substring(slash + 1));
    if (keyHost.equals("index.docker.io") || keyHost.equals("registry-1.docker.io")) {
      keyHost = DOCKER_HUB;
      if (keyPath.equals("v1") || keyPath.equals("v2")) {
        keyPath = "";
      }
    }
    if (!hostsMatch(keyHost, target.host())) {
      return false;
    }
    // The kubelet compares paths as strings: a key path is a plain prefix of the repository path.
    return target.path().startsWith(keyPath);
  }

  private static boolean hostsMatch(String glob, String host) {
    String[] g = splitPort(glob);
    String[] h = splitPort(host);
    if (!g[1].equals(h[1])) {
      return false;
    }
    String[] gl = g[0].split("\\.", -1);
    String[] hl = h[0].split("\\.", -1);
    if (gl.length != hl.length) {
      return false;
    }
    for (int i = 0; i < gl.length; i++) {
      if (!glob(gl[i], hl[i])) {
        return false;
      }
    }
    return true;
  }

  private static String[] splitPort(String host) {
    int colon = host.lastIndexOf(':');
    if (colon >= 0 && host.indexOf(']') < colon) {
      return new String[] {host.substring(0, colon), host.substring(colon + 1)};
    }
    return new String[] {host, ""};
  }

  /**
   * A glob over one label: {@code *} any run of characters, {@code ?} one character. Linear in
   * pattern times label (a tenant writes the pattern: no backtracking).
   */
  static boolean glob(String p, String s) {
    boolean[] prev = new boolean[s.length() + 1];
    prev[0] = true;
    for (int i = 1; i <= p.length(); i++) {
      char c = p.charAt(i - 1);
      boolean[] cur = new boolean[s.length() + 1];
      cur[0] = c == '*' && prev[0];
      for (int j = 1; j <= s.length(); j++) {
        cur[j] = c == '*' ? prev[j] || cur[j - 1] : prev[j - 1] && (c == '?' || c == s.charAt(j - 1));
      }
      prev = cur;
    }
    return prev[s.length()];
  }

  private static String trimSlashes(String s) {
    int b = 0;
    int e = s.length();
    while (b < e && s.charAt(b) == '/') {
      b++;
    }
    while (e > b && s.charAt(e - 1) == '/') {
      e--;
    }
    return s.substring(b, e);
  }
}
