package io.pullsecrets.operator.provider.ecr;

import io.fabric8.kubernetes.api.model.Secret;
import io.pullsecrets.operator.api.AwsAssumeRoleSpec;
import io.pullsecrets.operator.api.AwsWebIdentitySpec;
import io.pullsecrets.operator.api.EcrAuthSpec;
import io.pullsecrets.operator.api.EcrProviderSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.Reasons;
import io.pullsecrets.operator.provider.RegistryLogin;
import io.pullsecrets.operator.provider.SecretData;
import io.pullsecrets.operator.provider.cloud.Redactor;
import io.pullsecrets.operator.provider.cloud.ServiceAccountTokens;
import io.pullsecrets.operator.provider.cloud.TokenPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecr.model.GetAuthorizationTokenResponse;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * Amazon ECR: one {@code GetAuthorizationToken} call per region of the configured registries
 * (with {@code registryIds} for the accounts in it), under one identity: access keys from a
 * Secret, a service account token traded at STS {@code AssumeRoleWithWebIdentity}, or the
 * operator's own identity (trusted namespaces only); optionally followed by STS
 * {@code AssumeRole}. Username {@code AWS}; expiry the earliest {@code expiresAt}.
 */
public final class EcrCredentialProvider implements CredentialProvider {
  public static final String ACCESS_KEY_ID = "accessKeyId";
  public static final String SECRET_ACCESS_KEY = "secretAccessKey";
  public static final String SESSION_TOKEN = "sessionToken";
  public static final String DEFAULT_AUDIENCE = "sts.amazonaws.com";
  public static final String USERNAME = "AWS";

  private final AwsClientFactory clients;
  private final TokenPolicy tokens;

  public EcrCredentialProvider(AwsClientFactory clients, ServiceAccountTokens tokens) {
    this(clients, new TokenPolicy(tokens));
  }

  public EcrCredentialProvider(AwsClientFactory clients, TokenPolicy tokens) {
    this.clients = Objects.requireNonNull(clients, "clients");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
  }

  @Override
  public String name() {
    return "ecr";
  }

  @Override
  public Credential fetch(ProviderRequest request) throws ProviderException {
    EcrProviderSpec spec = request.resource().getSpec().getProvider().getEcr();
    if (spec.getRegistries() == null || spec.getRegistries().isEmpty()) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "spec.provider.ecr.registries is empty");
    }
    List<EcrRegistry> registries = new ArrayList<>();
    for (String r : spec.getRegistries()) {
      EcrRegistry parsed = EcrRegistry.parse(r);
      if (registries.stream().noneMatch(x -> x.host().equals(parsed.host()))) {
        registries.add(parsed);
      }
    }
    EcrAuthSpec auth = spec.getAuth();
    if (auth == null) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "spec.provider.ecr.auth is not set");
    }
    Redactor redactor = new Redactor();
    Region stsRegion = Region.of(registries.get(0).region());
    AwsCredentialsProvider identity = baseIdentity(request, auth, stsRegion, redactor);
    if (auth.getAssumeRole() != null) {
      identity = assumeRole(request.resource(), auth.getAssumeRole(), identity, stsRegion, redactor);
    }

    Map<String, List<EcrRegistry>> byRegion = new LinkedHashMap<>();
    for (EcrRegistry r : registries) {
      byRegion.computeIfAbsent(r.region(), k -> new ArrayList<>()).add(r);
    }
    Map<String, RegistryLogin> logins = new LinkedHashMap<>();
    Instant expiresAt = null;
    for (Map.Entry<String, List<EcrRegistry>> e : byRegion.entrySet()) {
      List<String> accounts = e.getValue().stream().map(EcrRegistry::account).distinct().toList();
      GetAuthorizationTokenResponse answer;
      String call = "ECR GetAuthorizationToken in " + e.getKey();
      try (EcrClient ecr = clients.ecr(Region.of(e.getKey()), identity)) {
        answer = ecr.getAuthorizationToken(b -> b.registryIds(accounts));
      } catch (SdkException ex) {
        throw AwsErrors.map(call, ex, redactor);
      }
      List<AuthorizationData> data = answer.authorizationData();
      if (data == null || data.isEmpty()) {
        throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, call + " returned no authorization data");
      }
      for (EcrRegistry r : e.getValue()) {
        AuthorizationData d = data.stream()
            .filter(x -> x.proxyEndpoint() != null && hostOf(x.proxyEndpoint()).equals(r.host()))
            .findFirst()
            .orElse(data.get(0));
        String password = decode(d.authorizationToken(), call, redactor);
        logins.put(r.host(), new RegistryLogin(r.host(), USERNAME, password));
        if (d.expiresAt() != null && (expiresAt == null || d.expiresAt().isBefore(expiresAt))) {
          expiresAt = d.expiresAt();
        }
      }
    }
    if (expiresAt == null) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "ECR returned a token without expiresAt");
    }
    List<RegistryLogin> ordered = registries.stream().map(r -> logins.get(r.host())).toList();
    return Credential.of(ordered, expiresAt);
  }

  private AwsCredentialsProvider baseIdentity(
      ProviderRequest request, EcrAuthSpec auth, Region stsRegion, Redactor redactor) throws ProviderException {
    if (auth.getAccessKeys() != null) {
      String name = auth.getAccessKeys().getSecretRef() == null ? null : auth.getAccessKeys().getSecretRef().getName();
      Secret secret = SecretData.require(request.secrets(), name);
      String id = redactor.add(SecretData.text(secret, ACCESS_KEY_ID).trim());
      String key = redactor.add(SecretData.text(secret, SECRET_ACCESS_KEY).trim());
      String session = optionalText(secret, SESSION_TOKEN);
      redactor.add(session);
      AwsCredentials creds = session == null
          ? AwsBasicCredentials.create(id, key)
          : AwsSessionCredentials.create(id, key, session);
      return StaticCredentialsProvider.create(creds);
    }
    if (auth.getWebIdentity() != null) {
      AwsWebIdentitySpec wi = auth.getWebIdentity();
      requireRoleArn(wi.getRoleArn(), "spec.provider.ecr.auth.webIdentity.roleArn");
      String audience = wi.getAudience() == null || wi.getAudience().isBlank() ? DEFAULT_AUDIENCE : wi.getAudience();
      String token = redactor.add(tokens.token(request, "spec.provider.ecr.auth.webIdentity",
          wi.getServiceAccountName(), audience, TokenPolicy.Cloud.AWS));
      return webIdentity(wi.getRoleArn(), token, sessionName(request.resource()), stsRegion, redactor);
    }
    if (auth.getAmbient() != null) {
      if (!request.trusted()) {
        throw ProviderException.invalid(Reasons.NOT_PERMITTED, "namespace '" + request.namespace()
            + "' is not trusted to use the operator's own AWS identity (auth.ambient); use accessKeys or webIdentity");
      }
      return ambient(stsRegion, redactor);
    }
    throw ProviderException.invalid(Reasons.INVALID_SOURCE,
        "spec.provider.ecr.auth must set one of accessKeys, webIdentity and ambient");
  }

  /**
   * The operator's identity. When the operator itself runs with IRSA
   * ({@code AWS_WEB_IDENTITY_TOKEN_FILE} and {@code AWS_ROLE_ARN}), the token file is traded
   * through this provider's own STS client (so endpoint overrides apply); otherwise the SDK's
   * default chain (Pod Identity, instance role, environment keys).
   */
  private AwsCredentialsProvider ambient(Region stsRegion, Redactor redactor) throws ProviderException {
    Map<String, String> env = clients.env();
    String file = env.get("AWS_WEB_IDENTITY_TOKEN_FILE");
    String role = env.get("AWS_ROLE_ARN");
    if (file != null && !file.isBlank() && role != null && !role.isBlank()) {
      String token;
      try {
        token = redactor.add(Files.readString(Path.of(file), StandardCharsets.UTF_8).trim());
      } catch (IOException e) {
        throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE,
            "cannot read the operator's web identity token file " + file);
      }
      String session = env.getOrDefault("AWS_ROLE_SESSION_NAME", "pullsecret-operator");
      return webIdentity(role, token, session, stsRegion, redactor);
    }
    AwsCredentialsProvider chain = clients.ambient();
    try {
      AwsCredentials resolved = chain.resolveCredentials();
      redactor.add(resolved.secretAccessKey());
      return StaticCredentialsProvider.create(resolved);
    } catch (SdkException e) {
      throw ProviderException.transientFailure(Reasons.AUTHENTICATION_FAILED,
          "the operator has no usable AWS identity (default chain): " + redactor.clean(e.getMessage()));
    }
  }

  private AwsCredentialsProvider webIdentity(
      String roleArn, String token, String session, Region region, Redactor redactor) throws ProviderException {
    try (StsClient sts = clients.sts(region, AnonymousCredentialsProvider.create())) {
      Credentials c = sts.assumeRoleWithWebIdentity(b -> b.roleArn(roleArn).roleSessionName(session).webIdentityToken(token))
          .credentials();
      return session(c, redactor);
    } catch (SdkException e) {
      throw AwsErrors.map("STS AssumeRoleWithWebIdentity for " + roleArn, e, redactor);
    }
  }

  private AwsCredentialsProvider assumeRole(RegistryCredential rc, AwsAssumeRoleSpec spec,
      AwsCredentialsProvider base, Region region, Redactor redactor) throws ProviderException {
    requireRoleArn(spec.getRoleArn(), "spec.provider.ecr.auth.assumeRole.roleArn");
    try (StsClient sts = clients.sts(region, base)) {
      Credentials c = sts.assumeRole(b -> {
        b.roleArn(spec.getRoleArn()).roleSessionName(sessionName(rc));
        if (spec.getExternalId() != null && !spec.getExternalId().isBlank()) {
          b.externalId(spec.getExternalId());
        }
      }).credentials();
      return session(c, redactor);
    } catch (SdkException e) {
      throw AwsErrors.map("STS AssumeRole for " + spec.getRoleArn(), e, redactor);
    }
  }

  private static AwsCredentialsProvider session(Credentials c, Redactor redactor) throws ProviderException {
    if (c == null || c.accessKeyId() == null || c.secretAccessKey() == null || c.sessionToken() == null) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "STS returned no credentials");
    }
    redactor.add(c.secretAccessKey());
    redactor.add(c.sessionToken());
    return StaticCredentialsProvider.create(
        AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken()));
  }

  private static void requireRoleArn(String arn, String field) throws ProviderException {
    if (arn == null || !arn.startsWith("arn:")) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, field + " must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)");
    }
  }

  /** {@code pullsecrets-<namespace>-<name>}, in STS's alphabet and at most 64 characters. */
  static String sessionName(RegistryCredential rc) {
    String raw = "pullsecrets-" + rc.getMetadata().getNamespace() + "-" + rc.getMetadata().getName();
    String clean = raw.replaceAll("[^\\w+=,.@-]", "-");
    return clean.length() > 64 ? clean.substring(0, 64) : clean;
  }

  private static String optionalText(Secret secret, String key) throws ProviderException {
    boolean present = (secret.getData() != null && secret.getData().containsKey(key))
        || (secret.getStringData() != null && secret.getStringData().containsKey(key));
    if (!present) {
      return null;
    }
    String v = SecretData.utf8(secret, key).trim();
    return v.isEmpty() ? null : v;
  }

  private static String decode(String token, String call, Redactor redactor) throws ProviderException {
    redactor.add(token);
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(token == null ? "" : token.trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, call + " returned a token that is not base64");
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0 || !decoded.substring(0, colon).equals(USERNAME) || colon == decoded.length() - 1) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE,
          call + " returned a token that is not of the form AWS:<password>");
    }
    return redactor.add(decoded.substring(colon + 1));
  }

  private static String hostOf(String endpoint) {
    String h = endpoint.trim().toLowerCase(java.util.Locale.ROOT).replaceFirst("^https?://", "");
    int slash = h.indexOf('/');
    return slash >= 0 ? h.substring(0, slash) : h;
  }
}
