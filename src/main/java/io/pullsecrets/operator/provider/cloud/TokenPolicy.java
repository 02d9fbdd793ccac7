package io.pullsecrets.operator.provider.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The one gate before the operator lends a ServiceAccount's identity to a RegistryCredential
 * (web identity federation) and before it sends tokens anywhere on a tenant's behalf.
 *
 * <ul>
 *   <li>The ServiceAccount must exist and opt in: its annotation
 *       {@value Labels#ALLOWED_CREDENTIALS_ANNOTATION} lists the RegistryCredential's name (or
 *       {@code *}). Otherwise NotPermitted, in every namespace.
 *   <li>The audience is never empty nor one the API server accepts (it would make the token a
 *       Kubernetes credential): InvalidSpec, in every namespace.
 *   <li>Outside trusted namespaces the audience is exactly what the cloud expects, and tokens go
 *       only to the cloud's own endpoints or to hosts an administrator allowed
 *       ({@link OperatorConfig.Setting#ALLOWED_ENDPOINT_HOSTS}): NotPermitted otherwise.
 * </ul>
 *
 * Reasons: a value refused only because the namespace is not trusted is NotPermitted (a trusted
 * namespace or an administrator could allow it); a value refused everywhere is InvalidSpec.
 * All failures are non-retryable; texts from the spec are quoted shortened.
 */
public final class TokenPolicy {
  /** The operator's own service account token, whose issuer and audiences the API server accepts. */
  public static final Path OWN_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");
  /** Audience prefixes of the in-cluster API server, refused whatever the operator's own token says. */
  static final List<String> API_SERVER_PREFIXES = List.of("https://kubernetes.default.svc", "kubernetes.default.svc");
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final int MAX_QUOTED = 120;

  /** What each cloud accepts as the audience of a federated token (checked outside trusted namespaces). */
  public enum Cloud {
    AWS("sts.amazonaws.com") {
      @Override
      boolean accepts(String audience) {
        return audience.equals("sts.amazonaws.com");
      }
    },
    AZURE("api://AzureADTokenExchange (or api://AzureADTokenExchangeUSGov, api://AzureADTokenExchangeChina)") {
      @Override
      boolean accepts(String audience) {
        return Set.of("api://AzureADTokenExchange", "api://AzureADTokenExchangeUSGov", "api://AzureADTokenExchangeChina")
            .contains(audience);
      }
    },
    GCP("//iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>"
        + " (optionally with an https: prefix)") {
      @Override
      boolean accepts(String audience) {
        return GCP_AUDIENCE.matcher(audience).matches();
      }

      @Override
      boolean same(String requested, String configured) {
        return withoutHttps(requested).equals(withoutHttps(configured));
      }
    };

    private static final Pattern GCP_AUDIENCE = Pattern.compile(
        "(https:)?//iam\\.googleapis\\.com/projects/[0-9]+/locations/global/workloadIdentityPools/[A-Za-z0-9_-]+/providers/[A-Za-z0-9_-]+");

    private final String expected;

    Cloud(String expected) {
      this.expected = expected;
    }

    abstract boolean accepts(String audience);

    /** Whether a requested audience names the audience a credential configuration expects. */
    boolean same(String requested, String configured) {
      return requested.trim().equals(configured.trim());
    }

    private static String withoutHttps(String audience) {
      String a = audience.trim();
      return a.startsWith("https:") ? a.substring("https:".length()) : a;
    }

    public String expected() {
      return expected;
    }
  }

  private final ServiceAccountTokens tokens;
  private final Set<String> apiServerAudiences;

  /** A policy refusing, besides the in-cluster names, the issuer and audiences of the operator's own token. */
  public TokenPolicy(ServiceAccountTokens tokens) {
    this(tokens, OwnToken.AUDIENCES);
  }

  /** A policy refusing, besides the in-cluster names, the given API server audiences. */
  public TokenPolicy(ServiceAccountTokens tokens, Set<String> apiServerAudiences) {
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    Set<String> normalized = new LinkedHashSet<>();
    apiServerAudiences.forEach(a -> normalized.add(normalize(a)));
    this.apiServerAudiences = Set.copyOf(normalized);
  }

  /**
   * A token of {@code serviceAccount} (in the request's namespace) for {@code audience}, after
   * every check; nothing is requested when one fails.
   *
   * @param field the spec path of the auth mode, for messages (e.g. spec.provider.ecr.auth.webIdentity)
   */
  public String token(ProviderRequest request, String field, String serviceAccount, String audience, Cloud cloud)
      throws ProviderException {
    return token(request, field, serviceAccount, audience, cloud, null);
  }

  /**
   * As {@link #token(ProviderRequest, String, String, String, Cloud)}; outside trusted namespaces
   * the audience must also be the one of the credential configuration the token goes to.
   *
   * @param configuredAudience the audience the receiving configuration names, or null
   */
  public String token(ProviderRequest request, String field, String serviceAccount, String audience, Cloud cloud,
      ConfiguredAudience configuredAudience) throws ProviderException {
    checkAudience(request, field + ".audience", audience, cloud);
    if (configuredAudience != null && !request.trusted() && !cloud.same(audience, configuredAudience.audience())) {
      throw ProviderException.invalid(Reasons.NOT_PERMITTED, field + ".audience must be the audience of "
          + configuredAudience.where() + " outside the operator's trusted namespaces");
    }
    requireOptIn(request, field + ".serviceAccountName", serviceAccount);
    return tokens.token(request.namespace(), serviceAccount, audience);
  }

  /** The audience a credential configuration names, and where it is (for messages, with any hint on the form). */
  public record ConfiguredAudience(String audience, String where) {}

  /**
   * Only trusted namespaces may use what belongs to the operator's pod: its own cloud identity,
   * or credential sources that read its files, URLs or programs.
   *
   * @param what what is refused, for messages (e.g. "the operator's own AWS identity (auth.ambient)")
   * @param instead what the user can use instead, for messages
   */
  public void requireTrusted(ProviderRequest request, String what, String instead) throws ProviderException {
    if (!request.trusted()) {
      throw ProviderException.invalid(Reasons.NOT_PERMITTED, "namespace '" + request.namespace()
          + "' is not trusted to use " + what + "; " + instead);
    }
  }

  /** The audience is not the API server's, and outside trusted namespaces it is the cloud's. */
  void checkAudience(ProviderRequest request, String field, String audience, Cloud cloud) throws ProviderException {
    if (audience == null || audience.isBlank()) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC, field + " is empty: the operator never requests a token"
          + " for the API server's own audience");
    }
    String a = normalize(audience);
    boolean apiServer = apiServerAudiences.contains(a) || API_SERVER_PREFIXES.stream().anyMatch(a::startsWith);
    if (apiServer) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC, field + " " + quote(audience)
          + " is an audience of the Kubernetes API server: such a token would be a Kubernetes credential of the"
          + " service account, and the operator never requests one");
    }
    if (!request.trusted() && !cloud.accepts(audience)) {
      throw ProviderException.invalid(Reasons.NOT_PERMITTED, field + " " + quote(audience) + " is not allowed in namespace '"
          + request.namespace() + "': outside the operator's trusted namespaces it must be " + cloud.expected());
    }
  }

  /** The service account exists and its annotation lists the RegistryCredential (or {@code *}). */
  private void requireOptIn(ProviderRequest request, String field, String serviceAccount) throws ProviderException {
    if (serviceAccount == null || serviceAccount.isBlank()) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, field + " is empty");
    }
    if (!NAME.matcher(serviceAccount).matches()) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC, field + " " + quote(serviceAccount) + " is not a service account name");
    }
    String credential = request.name();
    String annotation = Labels.ALLOWED_CREDENTIALS_ANNOTATION;
    Optional<ServiceAccount> sa = tokens.serviceAccount(request.namespace(), serviceAccount);
    if (sa.isEmpty()) {
      throw ProviderException.invalid(Reasons.NOT_PERMITTED, "ServiceAccount '" + serviceAccount + "' does not exist in namespace '"
          + request.namespace() + "': create it with the annotation " + annotation + ": " + credential
          + " to let RegistryCredential '" + credential + "' request its tokens");
    }
    Map<String, String> annotations = sa.get().getMetadata() == null ? null : sa.get().getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(annotation);
    if (!allows(value, credential)) {
      throw ProviderException.invalid(Reasons.NOT_PERMITTED, "ServiceAccount '" + serviceAccount
          + "' does not allow RegistryCredential '" + credential + "' to request its tokens: add '" + credential
          + "' to its annotation " + annotation);
    }
  }

  /** Whether an allowed-credentials annotation value lists {@code credential} or {@code *}. */
  static boolean allows(String annotationValue, String credential) {
    if (annotationValue == null || credential == null) {
      return false;
    }
    for (String part : annotationValue.split(",")) {
      String name = part.trim();
      if (name.equals("*") || name.equals(credential)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Outside trusted namespaces, {@code url} must satisfy {@code cloud} (an https URL of the
   * cloud's own endpoint) or name a host the administrator allowed.
   *
   * @param what what the URL is, for messages (e.g. "token_url of Secret 'x' key 'y'")
   * @param expected the cloud's endpoint, for messages
   */
  public static void requireEndpoint(ProviderRequest request, String what, String url, Predicate<URI> cloud, String expected)
      throws ProviderException {
    if (request.trusted()) {
      return;
    }
    URI uri;
    try {
      uri = new URI(url == null ? "" : url.trim());
    } catch (URISyntaxException e) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, what + " is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    if (host.isEmpty() || !(scheme.equals("https") || scheme.equals("http"))) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, what + " is not an http(s) URL");
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : (scheme.equals("https") ? 443 : 80);
    if (allowedHost(request, host, port)) {
      return;
    }
    boolean official = scheme.equals("https") && port == 443 && uri.getRawUserInfo() == null && cloud.test(uri);
    if (!official) {
      throw ProviderException.invalid(Reasons.NOT_PERMITTED, what + " points at " + quote(hostPort(host, uri.getPort()))
          + ", which RegistryCredentials outside the operator's trusted namespaces may not send tokens to: it must be "
          + expected + ", or an administrator adds the host to " + OperatorConfig.Setting.ALLOWED_ENDPOINT_HOSTS.env);
    }
  }

  /**
   * Outside trusted namespaces, a registry must satisfy {@code cloud} (tested with its lower-case
   * host) or be a host the administrator allowed.
   */
  public static void requireHost(ProviderRequest request, String what, RegistryHost registry, Predicate<String> cloud,
      String expected) throws ProviderException {
    if (request.trusted() || allowedHost(request, registry.host(), registry.effectivePort())) {
      return;
    }
    if (!cloud.test(registry.host())) {
      throw ProviderException.invalid(Reasons.NOT_PERMITTED, what + " " + quote(registry.name())
          + " is not allowed outside the operator's trusted namespaces: it must be " + expected
          + ", or an administrator adds the host to " + OperatorConfig.Setting.ALLOWED_ENDPOINT_HOSTS.env);
    }
  }

  /** Whether {@code host} or {@code host:port} is in the request's allow-list. */
  static boolean allowedHost(ProviderRequest request, String host, int port) {
    return allowedHost(request.allowedEndpointHosts(), host, port);
  }

  /**
   * Whether {@code host} or {@code host:port} is in {@code allowed} (entries as in
   * {@link OperatorConfig#allowedEndpointHosts()}; IPv6 literals in brackets).
   */
  public static boolean allowedHost(Set<String> allowed, String host, int port) {
    String h = host.toLowerCase(Locale.ROOT);
    String bracketed = h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    return allowed.contains(bracketed) || allowed.contains(bracketed + ":" + port);
  }

  private static String hostPort(String host, int port) {
    return port >= 0 ? host + ":" + port : host;
  }

  /** A spec text in quotes, shortened: status never carries unbounded text from objects we do not own. */
  static String quote(String text) {
    String t = text.length() > MAX_QUOTED ? text.substring(0, MAX_QUOTED - 3) + "..." : text;
    return "'" + t + "'";
  }

  private static String normalize(String audience) {
    String a = audience.trim().toLowerCase(Locale.ROOT);
    while (a.endsWith("/")) {
      a = a.substring(0, a.length() - 1);
    }
    return a;
  }

  /** Issuer and audiences of the operator's own service account token, read once; empty outside a pod. */
  static final class OwnToken {
    static final Set<String> AUDIENCES = read(OWN_TOKEN);

    static Set<String> read(Path file) {
      Set<String> out = new LinkedHashSet<>();
      try {
        if (!Files.isReadable(file)) {
          return Set.of();
        }
        Optional<JsonNode> claims = Jwts.claims(Files.readString(file, StandardCharsets.UTF_8));
        claims.ifPresent(c -> {
          if (c.path("iss").isTextual()) {
            out.add(c.get("iss").asText());
          }
          JsonNode aud = c.path("aud");
          if (aud.isTextual()) {
            out.add(aud.asText());
          } else if (aud.isArray()) {
            aud.forEach(x -> out.add(x.asText()));
          }
        });
      } catch (IOException | RuntimeException e) {
        // not in a pod, or no readable token: the in-cluster names are still refused
      }
      out.removeIf(String::isBlank);
      return Set.copyOf(out);
    }

    private OwnToken() {}
  }
}
