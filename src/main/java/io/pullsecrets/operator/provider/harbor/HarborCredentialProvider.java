package io.pullsecrets.operator.provider.harbor;

import io.fabric8.kubernetes.api.model.Secret;
import io.pullsecrets.operator.api.HarborProviderSpec;
import io.pullsecrets.operator.api.ProviderKind;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.RegistryLogin;
import io.pullsecrets.operator.provider.SecretData;
import io.pullsecrets.operator.provider.cloud.AdminEndpoint;
import io.pullsecrets.operator.provider.cloud.RegistryHost;
import io.pullsecrets.operator.verify.RegistryVerifier;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * Rotates a Harbor robot account's secret and renders the robot's login. One fetch is one
 * rotation, in this order:
 * <ol>
 *   <li>check the endpoint ({@link #endpoint}): the admin login goes to the host of the same
 *       credential's {@code url} only, over https, and never to a loopback, link-local,
 *       unspecified, multicast or cloud metadata address (unless an administrator allowed the
 *       host); the connection goes to the addresses that were checked;
 *   <li>{@code GET /api/v2.0/robots/{id}}: the robot's name (its docker username) and expiry;
 *   <li>a new secret, generated here (Harbor's rules: 8 to 128 characters with an upper-case
 *       letter, a lower-case letter and a digit), so the operator knows it before Harbor does;
 *   <li>{@code PATCH /api/v2.0/robots/{id}} with {@code {"secret": ...}} (Harbor's RefreshSec).
 *       Harbor invalidates the old secret at once: the reconciler writes the Secrets right after
 *       this fetch returns, which is the rotation window.
 * </ol>
 * The credential expires after {@code rotateEvery} (default 24h), or at the robot's own expiry
 * when that is earlier; the refresh (the next rotation) is scheduled from it.
 */
public final class HarborCredentialProvider implements CredentialProvider {
  public static final String USERNAME_KEY = "username";
  public static final String PASSWORD_KEY = "password";
  public static final Duration DEFAULT_ROTATE_EVERY = Duration.ofHours(24);
  static final int SECRET_LENGTH = 32;
  private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
  private static final String DIGITS = "0123456789";
  private static final Pattern DURATION = Pattern.compile("([0-9]+)(m|h)");
  private static final int MAX_QUOTED = 120;

  private final RegistryVerifier.Resolver resolver;
  private final SSLContext tls;
  private final SecureRandom random;

  /** Production: the system resolver and the JVM's default TLS settings. */
  public HarborCredentialProvider() {
    this(InetAddress::getAllByName, defaultTls(), new SecureRandom());
  }

  /**
   * @param resolver resolves the url's host once per fetch; the connection goes to its answer
   * @param tls trust and protocols for https
   * @param random source of the robot secrets
   */
  public HarborCredentialProvider(RegistryVerifier.Resolver resolver, SSLContext tls, SecureRandom random) {
    this.resolver = Objects.requireNonNull(resolver, "resolver");
    this.tls = Objects.requireNonNull(tls, "tls");
    this.random = Objects.requireNonNull(random, "random");
  }

  private static SSLContext defaultTls() {
    try {
      return SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("no default TLS context", e);
    }
  }

  @Override
  public ProviderKind kind() {
    return ProviderKind.HARBOR;
  }

  @Override
  public Credential fetch(ProviderRequest request) throws ProviderException {
    HarborProviderSpec spec = request.resource().getSpec().getProvider().getHarbor();
    long robotId = spec.getRobotId() == null ? 0 : spec.getRobotId();
    if (robotId < 1) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC, "spec.provider.harbor.robotId must be a robot ID (1 or more)");
    }
    Duration rotateEvery = rotateEvery(spec.getRotateEvery());
    AdminEndpoint endpoint = endpoint(request, spec.getUrl());
    String registry = registry(spec, endpoint);
    String secretName = spec.getAdminSecretRef() == null ? null : spec.getAdminSecretRef().getName();
    Secret admin = SecretData.require(request.secrets(), secretName);
    String username = SecretData.text(admin, USERNAME_KEY);
    String password = SecretData.text(admin, PASSWORD_KEY);

    try (HarborApi api = new HarborApi(endpoint, username, password, tls)) {
      HarborApi.Robot robot = api.robot(robotId);
      Instant now = request.clock().instant();
      if (robot.disabled()) {
        throw ProviderException.invalid(Reasons.INVALID_SPEC, "Harbor robot " + robotId + " (" + quote(robot.name())
            + ") is disabled: enable it in Harbor");
      }
      if (robot.expiresAt() != null && !robot.expiresAt().isAfter(now)) {
        throw ProviderException.invalid(Reasons.TOKEN_EXPIRED, "Harbor robot " + robotId + " (" + quote(robot.name())
            + ") expired at " + robot.expiresAt() + ": extend or replace it in Harbor");
      }
      String secret = newSecret();
      api.refreshSecret(robotId, secret);
      Instant expiresAt = request.clock().instant().plus(rotateEvery);
      if (robot.expiresAt() != null && robot.expiresAt().isBefore(expiresAt)) {
        expiresAt = robot.expiresAt();
      }
      return Credential.of(List.of(new RegistryLogin(registry, robot.name(), secret)), expiresAt);
    }
  }

  /** A new robot secret: {@value #SECRET_LENGTH} characters of [A-Za-z0-9] with at least one of each kind. */
  String newSecret() {
    String all = UPPER + LOWER + DIGITS;
    char[] out = new char[SECRET_LENGTH];
    out[0] = UPPER.charAt(random.nextInt(UPPER.length()));
    out[1] = LOWER.charAt(random.nextInt(LOWER.length()));
    out[2] = DIGITS.charAt(random.nextInt(DIGITS.length()));
    for (int i = 3; i < out.length; i++) {
      out[i] = all.charAt(random.nextInt(all.length()));
    }
    for (int i = out.length - 1; i > 0; i--) { // the three fixed kinds at random places
      int j = random.nextInt(i + 1);
      char c = out[i];
      out[i] = out[j];
      out[j] = c;
    }
    return new String(out);
  }

  /** Harbor's rule for robot secrets: 8 to 128 characters with an upper-case letter, a lower-case letter and a digit. */
  public static boolean validSecret(String s) {
    return s != null && s.length() >= 8 && s.length() <= 128 && s.chars().anyMatch(c -> c >= 'A' && c <= 'Z')
        && s.chars().anyMatch(c -> c >= 'a' && c <= 'z') && s.chars().anyMatch(c -> c >= '0' && c <= '9');
  }

  static Duration rotateEvery(String value) throws ProviderException {
    if (value == null || value.isBlank()) {
      return DEFAULT_ROTATE_EVERY;
    }
    java.util.regex.Matcher m = DURATION.matcher(value.trim());
    if (!m.matches() || m.group(1).length() > 6) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC, "spec.provider.harbor.rotateEvery " + quote(value)
          + " is not a duration such as 30m or 24h");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = m.group(2).equals("h") ? Duration.ofHours(n) : Duration.ofMinutes(n);
    if (d.compareTo(Duration.ofMinutes(10)) < 0) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC, "spec.provider.harbor.rotateEvery must be at least 10m");
    }
    return d;
  }

  private static String registry(HarborProviderSpec spec, AdminEndpoint endpoint) throws ProviderException {
    String r = spec.getRegistry();
    if (r == null || r.isBlank()) {
      return endpoint.hostPort();
    }
    return RegistryHost.parse(r).map(RegistryHost::name).orElseThrow(() -> ProviderException.invalid(
        Reasons.INVALID_SPEC, "spec.provider.harbor.registry " + quote(r) + " is not a host[:port]"));
  }

  /** Where the admin login may go: Harbor's base URL of the same credential, checked and resolved ({@link AdminEndpoint}). */
  AdminEndpoint endpoint(ProviderRequest request, String url) throws ProviderException {
    return AdminEndpoint.check(request.allowedEndpointHosts(), resolver, "spec.provider.harbor.url", "Harbor", url);
  }

  /** A text from the spec or from Harbor in quotes, shortened. */
  static String quote(String text) {
    String t = text == null ? "" : text;
    t = t.length() > MAX_QUOTED ? t.substring(0, MAX_QUOTED - 3) + "..." : t;
    return "'" + t + "'";
  }
}
