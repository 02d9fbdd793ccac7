package io.pullsecrets.operator.provider.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.ExternalAccountCredentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.IdentityPoolCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import io.fabric8.kubernetes.api.model.Secret;
import io.pullsecrets.operator.api.GcpAuthSpec;
import io.pullsecrets.operator.api.GcpExternalAccountSpec;
import io.pullsecrets.operator.api.GcpProviderSpec;
import io.pullsecrets.operator.api.ProviderKind;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.SecretKeySpec;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.RegistryLogin;
import io.pullsecrets.operator.provider.SecretData;
import io.pullsecrets.operator.provider.cloud.Redactor;
import io.pullsecrets.operator.provider.cloud.RegistryHost;
import io.pullsecrets.operator.provider.cloud.ServiceAccountTokens;
import io.pullsecrets.operator.provider.cloud.TokenPolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Google Artifact Registry and Container Registry: an OAuth2 access token (scope
 * cloud-platform) from a service account key, an external account (workload identity
 * federation, with the subject token from a TokenRequest for a service account in the
 * resource's namespace, or from the configuration's own credential source for trusted
 * namespaces), or the operator's application default credentials (trusted namespaces).
 * Username {@code oauth2accesstoken}; expiry the token's.
 */
public final class GcpCredentialProvider implements CredentialProvider {
  public static final String USERNAME = "oauth2accesstoken";
  public static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
  public static final String DEFAULT_KEY = "key.json";
  public static final String DEFAULT_EXTERNAL_KEY = "credential-configuration.json";
  /** Google's OAuth2 token endpoint, the only token_uri of a key outside trusted namespaces. */
  public static final String GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
  static final String STS_HOST = "sts.googleapis.com";
  static final String IAM_CREDENTIALS_HOST = "iamcredentials.googleapis.com";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final GcpClientFactory clients;
  private final TokenPolicy tokens;

  public GcpCredentialProvider(GcpClientFactory clients, ServiceAccountTokens tokens) {
    this(clients, new TokenPolicy(tokens));
  }

  public GcpCredentialProvider(GcpClientFactory clients, TokenPolicy tokens) {
    this.clients = Objects.requireNonNull(clients, "clients");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
  }

  @Override
  public ProviderKind kind() {
    return ProviderKind.GCP;
  }

  @Override
  public Credential fetch(ProviderRequest request) throws ProviderException {
    GcpProviderSpec spec = request.resource().getSpec().getProvider().getGcp();
    List<String> registries = registries(spec);
    GcpAuthSpec auth = spec.getAuth();
    if (auth == null) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "spec.provider.gcp.auth is not set");
    }
    Redactor redactor = new Redactor();
    GoogleCredentials credentials;
    String what;
    if (auth.getServiceAccountKey() != null) {
      credentials = serviceAccountKey(request, auth.getServiceAccountKey(), redactor);
      what = "service account key";
    } else if (auth.getExternalAccount() != null) {
      credentials = externalAccount(request, auth.getExternalAccount(), redactor);
      what = "external account";
    } else if (auth.getAmbient() != null) {
      tokens.requireTrusted(request, "the operator's own Google identity (auth.ambient)",
          "use serviceAccountKey or externalAccount");
      credentials = ambient(redactor);
      what = "application default credentials";
    } else {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE,
          "spec.provider.gcp.auth must set one of serviceAccountKey, externalAccount and ambient");
    }

    AccessToken token;
    try {
      token = credentials.refreshAccessToken();
    } catch (IOException | RuntimeException e) {
      throw GoogleErrors.map("Google token request (" + what + ")", e, redactor);
    }
    if (token == null || token.getTokenValue() == null || token.getTokenValue().isBlank()) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "Google returned no access token");
    }
    redactor.add(token.getTokenValue());
    Instant expiresAt = token.getExpirationTime() == null ? null : token.getExpirationTime().toInstant();
    if (expiresAt == null) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "Google returned a token without expiry");
    }
    List<RegistryLogin> logins = registries.stream()
        .map(r -> new RegistryLogin(r, USERNAME, token.getTokenValue())).toList();
    return Credential.of(logins, expiresAt);
  }

  private static List<String> registries(GcpProviderSpec spec) throws ProviderException {
    List<String> registries = new ArrayList<>();
    for (String r : spec.getRegistries() == null ? List.<String>of() : spec.getRegistries()) {
      String host = RegistryHost.parse(r).map(RegistryHost::name).orElseThrow(() -> ProviderException.invalid(
          Reasons.INVALID_SOURCE, "'" + r + "' is not a registry host (for example europe-docker.pkg.dev or gcr.io)"));
      if (!registries.contains(host)) {
        registries.add(host);
      }
    }
    if (registries.isEmpty()) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "spec.provider.gcp.registries is empty");
    }
    return registries;
  }

  private GoogleCredentials ambient(Redactor redactor) throws ProviderException {
    GoogleCredentials credentials;
    try {
      credentials = clients.ambient();
    } catch (IOException e) {
      throw ProviderException.transientFailure(Reasons.AUTHENTICATION_FAILED,
          "the operator has no application default credentials: " + redactor.clean(e.getMessage()));
    }
    return credentials.createScopedRequired() ? credentials.createScoped(List.of(SCOPE)) : credentials;
  }

  private GoogleCredentials serviceAccountKey(ProviderRequest request, SecretKeySpec ref, Redactor redactor)
      throws ProviderException {
    String name = ref.getSecretRef() == null ? null : ref.getSecretRef().getName();
    String key = ref.getKey() == null || ref.getKey().isBlank() ? DEFAULT_KEY : ref.getKey();
    Secret secret = SecretData.require(request.secrets(), name);
    byte[] json = SecretData.bytes(secret, key);
    JsonNode node = parse(json, name, key);
    if (!"service_account".equals(node.path("type").asText())) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE,
          "Secret '" + name + "' key '" + key + "' is not a service account key (type service_account)");
    }
    redactor.add(node.path("private_key").asText(null));
    redactor.add(node.path("private_key_id").asText(null));
    String where = "Secret '" + name + "' key '" + key + "'";
    String tokenUri = node.path("token_uri").asText("");
    if (!tokenUri.isBlank()) {
      // The signed assertion goes to token_uri: outside trusted namespaces only to Google.
      TokenPolicy.requireEndpoint(request, "token_uri of " + where, tokenUri,
          u -> GOOGLE_TOKEN_URI.equals(u.toString()), GOOGLE_TOKEN_URI);
    }
    try {
      ServiceAccountCredentials sa = ServiceAccountCredentials.fromStream(new ByteArrayInputStream(json), clients.transport());
      return sa.createWithCustomRetryStrategy(false).createScoped(List.of(SCOPE));
    } catch (IOException | RuntimeException e) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE,
          "Secret '" + name + "' key '" + key + "' is not a usable service account key");
    }
  }

  private GoogleCredentials externalAccount(ProviderRequest request, GcpExternalAccountSpec spec, Redactor redactor)
      throws ProviderException {
    String name = spec.getSecretRef() == null ? null : spec.getSecretRef().getName();
    String key = spec.getKey() == null || spec.getKey().isBlank() ? DEFAULT_EXTERNAL_KEY : spec.getKey();
    Secret secret = SecretData.require(request.secrets(), name);
    byte[] json = SecretData.bytes(secret, key);
    JsonNode node = parse(json, name, key);
    String where = "Secret '" + name + "' key '" + key + "'";
    if (!"external_account".equals(node.path("type").asText())) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, where + " is not an external account configuration (type external_account)");
    }
    redactor.add(node.path("client_secret").asText(null));
    String sa = spec.getServiceAccountName();
    if (sa == null || sa.isBlank()) {
      // The configuration's own credential_source reads files, URLs or programs of the operator's pod.
      tokens.requireTrusted(request, "the credential_source of an external account configuration",
          "set externalAccount.serviceAccountName so the subject token comes from a service account in this namespace");
      try {
        return ExternalAccountCredentials.fromStream(new ByteArrayInputStream(json), clients.transport())
            .createScoped(List.of(SCOPE));
      } catch (IOException | RuntimeException e) {
        throw ProviderException.invalid(Reasons.INVALID_SOURCE, where + " is not a usable external account configuration");
      }
    }
    String audience = node.path("audience").asText("");
    String tokenUrl = node.path("token_url").asText("");
    if (audience.isBlank() || tokenUrl.isBlank()) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, where + " has no audience or token_url");
    }
    requireGoogleEndpoints(request, node, where, tokenUrl);
    String field = "spec.provider.gcp.auth.externalAccount";
    String tokenAudience = spec.getAudience() != null && !spec.getAudience().isBlank()
        ? spec.getAudience() : (audience.startsWith("//") ? "https:" + audience : audience);
    String subject = redactor.add(tokens.token(request, field, sa, tokenAudience, TokenPolicy.Cloud.GCP,
        new TokenPolicy.ConfiguredAudience(audience, where + " (with or without https:)")));
    try {
      return identityPool(node, subject);
    } catch (RuntimeException e) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, where + " is not a usable external account configuration: "
          + redactor.clean(e.getMessage()));
    }
  }

  /**
   * The subject token goes to token_url (and the federated token on to the impersonation URL):
   * outside trusted namespaces only to Google.
   */
  private static void requireGoogleEndpoints(ProviderRequest request, JsonNode node, String where, String tokenUrl)
      throws ProviderException {
    TokenPolicy.requireEndpoint(request, "token_url of " + where, tokenUrl,
        u -> u.getHost().equalsIgnoreCase(STS_HOST), "https://" + STS_HOST + "/...");
    for (String field : List.of("service_account_impersonation_url", "token_info_url")) {
      String host = field.equals("token_info_url") ? STS_HOST : IAM_CREDENTIALS_HOST;
      java.util.Optional<String> url = text(node, field);
      if (url.isPresent()) {
        TokenPolicy.requireEndpoint(request, field + " of " + where, url.get(),
            u -> u.getHost().equalsIgnoreCase(host), "https://" + host + "/...");
      }
    }
  }

  /** google-auth's identity pool credentials for a configuration, with the subject token given. */
  private IdentityPoolCredentials identityPool(JsonNode node, String subject) {
    IdentityPoolCredentials.Builder b = IdentityPoolCredentials.newBuilder()
        .setHttpTransportFactory(clients.transport())
        .setAudience(node.path("audience").asText())
        .setSubjectTokenType(node.path("subject_token_type").asText("urn:ietf:params:oauth:token-type:jwt"))
        .setTokenUrl(node.path("token_url").asText())
        .setSubjectTokenSupplier(context -> subject)
        .setScopes(List.of(SCOPE));
    text(node, "service_account_impersonation_url").ifPresent(b::setServiceAccountImpersonationUrl);
    text(node, "token_info_url").ifPresent(b::setTokenInfoUrl);
    text(node, "quota_project_id").ifPresent(b::setQuotaProjectId);
    text(node, "workforce_pool_user_project").ifPresent(b::setWorkforcePoolUserProject);
    text(node, "client_id").ifPresent(b::setClientId);
    text(node, "client_secret").ifPresent(b::setClientSecret);
    text(node, "universe_domain").ifPresent(b::setUniverseDomain);
    JsonNode impersonation = node.path("service_account_impersonation");
    if (impersonation.isObject()) {
      Map<String, Object> options = new LinkedHashMap<>();
      impersonation.fields().forEachRemaining(e -> options.put(e.getKey(),
          e.getValue().isNumber() ? (Object) e.getValue().numberValue() : e.getValue().asText()));
      b.setServiceAccountImpersonationOptions(options);
    }
    return b.build();
  }

  private static java.util.Optional<String> text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || !v.isTextual() || v.asText().isBlank() ? java.util.Optional.empty() : java.util.Optional.of(v.asText());
  }

  private static JsonNode parse(byte[] json, String name, String key) throws ProviderException {
    try {
      JsonNode node = JSON.readTree(json);
      if (node != null && node.isObject()) {
        return node;
      }
    } catch (IOException e) {
      // fall through
    }
    throw ProviderException.invalid(Reasons.INVALID_SOURCE, "Secret '" + name + "' key '" + key + "' is not a JSON object");
  }
}
