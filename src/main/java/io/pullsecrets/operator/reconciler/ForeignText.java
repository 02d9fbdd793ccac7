package io.pullsecrets.operator.reconciler;

import java.util.regex.Pattern;

/**
 * Bounds text taken from objects the operator does not own (a tenant's Secret annotations, an
 * admission webhook's reason) before it reaches status, conditions or events: a valid
 * {@code namespace/name} is shown as it is (bounded by Kubernetes' own name limits); anything
 * else is quoted with at most {@link #MAX_QUOTED} characters, control characters replaced.
 */
public final class ForeignText {
  /** At most this many characters of a foreign value are ever quoted. */
  public static final int MAX_QUOTED = 100;
  /** A namespace (DNS label, at most 63). */
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  /** An object name (DNS subdomain, at most 253). */
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  private ForeignText() {}

  /** {@code value} quoted, at most {@link #MAX_QUOTED} characters of it, with how much was left out. */
  public static String quote(String value) {
    if (value == null) {
      return "(none)";
    }
    StringBuilder sb = new StringBuilder("\"");
    int shown = Math.min(value.length(), MAX_QUOTED);
    for (int i = 0; i < shown; i++) {
      char c = value.charAt(i);
      sb.append(Character.isISOControl(c) || Character.isSurrogate(c) ? '?' : c);
    }
    sb.append('"');
    if (value.length() > shown) {
      sb.append("... (").append(value.length() - shown).append(" more characters)");
    }
    return sb.toString();
  }

  /** Text at most {@code max} characters long (for whole messages that may embed foreign text). */
  public static String truncate(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    return text.substring(0, max - 3) + "...";
  }

  /** Whether {@code value} is a valid {@code namespace/name} of a namespaced object. */
  public static boolean isNamespacedName(String value) {
    if (value == null) {
      return false;
    }
    int slash = value.indexOf('/');
    return slash > 0 && NAMESPACE.matcher(value.substring(0, slash)).matches()
        && NAME.matcher(value.substring(slash + 1)).matches();
  }

  /**
   * An owner annotation for a message: {@code RegistryCredential ns/name} or {@code
   * ClusterRegistryCredential name} as it is when valid, otherwise a bounded quote.
   */
  public static String owner(String annotation) {
    if (isNamespacedName(annotation)) {
      return "RegistryCredential " + annotation;
    }
    if (annotation != null && NAME.matcher(annotation).matches()) {
      return "ClusterRegistryCredential " + annotation;
    }
    return "a credential with an invalid owner annotation " + quote(annotation);
  }
}
