package io.pullsecrets.operator.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pullsecrets.operator.provider.RegistryLogin;
import io.pullsecrets.operator.provider.cloud.RegistryUrls;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Probes a registry's {@code /v2/} endpoint with a login, the way docker does: an anonymous
 * {@code GET /v2/}; on a {@code Basic} challenge the same request with Basic credentials; on a
 * {@code Bearer realm=..,service=..} challenge a token from the realm (Basic credentials,
 * {@code service} and no scope) and the request again with that token. https, except for
 * {@code localhost} and 127.0.0.0/8. Never throws for network or registry failures, and the
 * message never contains the password or a token.
 */
public final class RegistryVerifier {
  private static final Pattern PARAM = Pattern.compile("([A-Za-z_]+)=\"([^\"]*)\"|([A-Za-z_]+)=([^,\\s]+)");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  /**
   * The outcome of a probe.
   *
   * @param ok whether the registry accepted the login (or needs none)
   * @param httpStatus the HTTP status of the last answer (0 when no answer arrived)
   * @param message one line for the Verified condition, without secrets
   */
  public record Result(boolean ok, int httpStatus, String message) {}

  private final HttpClient http;

  /** Production: a JDK client that does not follow redirects (credentials stay with the host). */
  public RegistryVerifier() {
    this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build());
  }

  public RegistryVerifier(HttpClient http) {
    this.http = Objects.requireNonNull(http, "http");
  }

  /** Probes {@code registry} (a host, host:port, or URL) with {@code login}. */
  public Result verify(String registry, RegistryLogin login) {
    URI v2 = RegistryUrls.resolve(registry, "/v2/");
    String basic = "Basic " + Base64.getEncoder().encodeToString(
        (login.username() + ":" + login.password()).getBytes(StandardCharsets.UTF_8));
    try {
      HttpResponse<String> first = get(v2, null);
      if (first.statusCode() == 200) {
        return new Result(true, 200, "GET " + v2 + " answered 200 without authentication");
      }
      if (first.statusCode() != 401) {
        return new Result(false, first.statusCode(), "GET " + v2 + " answered HTTP " + first.statusCode());
      }
      Optional<String> challenge = first.headers().firstValue("www-authenticate");
      String scheme = challenge.map(c -> c.trim().split("\\s+", 2)[0].toLowerCase(Locale.ROOT)).orElse("basic");
      if (scheme.equals("bearer")) {
        return bearer(v2, challenge.get(), basic);
      }
      if (!scheme.equals("basic")) {
        return new Result(false, 401, "GET " + v2 + " asked for unsupported authentication scheme '" + scheme + "'");
      }
      HttpResponse<String> second = get(v2, basic);
      return second.statusCode() == 200
          ? new Result(true, 200, "GET " + v2 + " accepted the credential (Basic)")
          : new Result(false, second.statusCode(), "GET " + v2 + " rejected the credential (Basic): HTTP " + second.statusCode());
    } catch (IOException e) {
      return new Result(false, 0, "GET " + v2 + " failed: " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(false, 0, "GET " + v2 + " was interrupted");
    } catch (IllegalArgumentException e) {
      return new Result(false, 0, "cannot probe registry '" + registry + "': not a valid host");
    }
  }

  private Result bearer(URI v2, String challenge, String basic) throws IOException, InterruptedException {
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
    boolean loopback = realmUri.getHost() != null
        && RegistryUrls.base(realmUri.getHost()).getScheme().equals("http");
    if (!"https".equalsIgnoreCase(realmUri.getScheme()) && !("http".equalsIgnoreCase(realmUri.getScheme()) && loopback)) {
      return new Result(false, 401, "token realm " + realm + " is not https; the credential was not sent");
    }
    StringBuilder url = new StringBuilder(realm);
    if (params.containsKey("service")) {
      url.append(realm.contains("?") ? '&' : '?').append("service=")
          .append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
    }
    URI tokenUri = URI.create(url.toString());
    HttpResponse<String> tokenResponse = get(tokenUri, basic);
    if (tokenResponse.statusCode() != 200) {
      return new Result(false, tokenResponse.statusCode(),
          "token service " + realm + " rejected the credential: HTTP " + tokenResponse.statusCode());
    }
    String token = null;
    try {
      JsonNode node = JSON.readTree(tokenResponse.body());
      if (node != null) {
        token = node.hasNonNull("token") ? node.get("token").asText() : node.path("access_token").asText(null);
      }
    } catch (IOException e) {
      token = null;
    }
    if (token == null || token.isBlank()) {
      return new Result(false, tokenResponse.statusCode(), "token service " + realm + " returned no token");
    }
    HttpResponse<String> second = get(v2, "Bearer " + token);
    return second.statusCode() == 200
        ? new Result(true, 200, "GET " + v2 + " accepted the credential (Bearer token from " + realm + ")")
        : new Result(false, second.statusCode(),
            "GET " + v2 + " rejected the Bearer token from " + realm + ": HTTP " + second.statusCode());
  }

  private HttpResponse<String> get(URI uri, String authorization) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET()
        .header("User-Agent", "pullsecret-operator")
        .header("Docker-Distribution-API-Version", "registry/2.0");
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
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

  private static String describe(IOException e) {
    String type = e.getClass().getSimpleName();
    String msg = e.getMessage();
    return msg == null || msg.isBlank() ? type : type + " " + msg.replaceAll("\\s+", " ");
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
        return new Result(false, last.httpStatus(), login.registry() + ": " + last.message());
      }
    }
    return last;
  }
}
