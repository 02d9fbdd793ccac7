package io.pullsecrets.operator.provider.ecr;

import io.fabric8.kubernetes.api.model.Secret;
import io.pullsecrets.operator.api.AwsAssumeRoleSpec;
import io.pullsecrets.operator.api.AwsWebIdentitySpec;
import io.pullsecrets.operator.api.EcrAccountSpec;
import io.pullsecrets.operator.api.EcrAuthSpec;
import io.pullsecrets.operator.api.EcrProviderSpec;
import io.pullsecrets.operator.api.ProviderKind;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.DockerConfigJson;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecrpublic.EcrPublicClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleWithWebIdentityCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Amazon ECR and ECR Public. Per AWS identity (the spec's one {@code auth}, or each of its
 * {@code accounts}): one {@code GetAuthorizationToken} call per region of the configured registries
 * (with {@code registryIds} for the accounts in it), under one identity: access keys from a
 * Secret, a service account token traded at STS {@code AssumeRoleWithWebIdentity}, or the
 * operator's own identity (trusted namespaces only); optionally followed by STS
 * {@code AssumeRole}. The STS steps are the SDK's own credential providers on clients from the
 * {@link AwsClientFactory}. ECR Public ({@code public: true} or the registry {@code public.ecr.aws})
 * is one more call, ecr-public {@code GetAuthorizationToken} in us-east-1, whose one token serves
 * {@code public.ecr.aws}. Username {@code AWS}; expiry the earliest {@code expiresAt}. With
 * several accounts, one failing leaves the others served (see {@link #severalAccounts}).
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
  public ProviderKind kind() {
    return ProviderKind.ECR;
  }

  @Override
  public Credential fetch(ProviderRequest request) throws ProviderException {
    EcrProviderSpec spec = request.resource().getSpec().getProvider().getEcr();
    List<Account> accounts = accounts(spec);
    if (accounts.size() == 1) {
      Part part = fetch(request, accounts.get(0));
      return Credential.of(part.logins(), part.expiresAt());
    }
    return severalAccounts(request, accounts);
  }

  /**
   * Each account in turn, one failing not stopping the others: a failed account's registries keep
   * their entries of the previous credential (which bounds the expiry), or are left out when it
   * has none; the credential then carries the failures as its partial failure.
   */
  private Credential severalAccounts(ProviderRequest request, List<Account> accounts) throws ProviderException {
    Credential previous = request.previous();
    boolean previousUsable = previous != null
        && (previous.expiresAt() == null || previous.expiresAt().isAfter(request.clock().instant()));
    Map<String, RegistryLogin> kept = previousUsable ? DockerConfigJson.logins(previous.dockerConfigJson()) : Map.of();
    List<RegistryLogin> logins = new ArrayList<>();
    Instant expiresAt = null;
    List<String> failures = new ArrayList<>();
    ProviderException first = null;
    boolean retryable = false;
    for (Account account : accounts) {
      try {
        Part part = fetch(request, account);
        logins.addAll(part.logins());
        expiresAt = earliest(expiresAt, part.expiresAt());
      } catch (ProviderException e) {
        List<RegistryLogin> old = account.hosts().stream().map(kept::get).filter(Objects::nonNull).toList();
        logins.addAll(old);
        if (!old.isEmpty()) {
          expiresAt = earliest(expiresAt, previous.expiresAt());
        }
        String fate = old.size() == account.hosts().size() ? "its registries keep their last good token"
            : old.isEmpty() ? "its registries are left out until it succeeds"
            : old.size() + " of its " + account.hosts().size() + " registries keep their last good token, the others are left out";
        failures.add(account.label() + ": " + e.getMessage() + " (" + fate + ")");
        first = first == null ? e : first;
        retryable |= e.retryable();
      }
    }
    if (first == null) {
      return Credential.of(logins, expiresAt);
    }
    String message = failures.size() + " of " + accounts.size() + " AWS accounts failed: " + String.join("; ", failures);
    ProviderException failure = retryable
        ? ProviderException.transientFailure(first.reason(), message)
        : ProviderException.invalid(first.reason(), message);
    if (logins.isEmpty()) {
      throw failure;
    }
    return Credential.of(logins, expiresAt).withPartialFailure(failure);
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
  }

  /** One AWS identity's logins, in the order of its registries (ECR Public last), and their earliest expiry. */
  private record Part(List<RegistryLogin> logins, Instant expiresAt) {}

  /**
   * One AWS identity and what it logs in to.
   *
   * @param where the spec path of the account, for messages (spec.provider.ecr or spec.provider.ecr.accounts[i])
   */
  private record Account(String where, List<EcrRegistry> registries, boolean publicRegistry, EcrAuthSpec auth) {
    /** The docker config keys this account renders. */
    List<String> hosts() {
      List<String> hosts = new ArrayList<>(registries.stream().map(EcrRegistry::host).toList());
      if (publicRegistry) {
        hosts.add(EcrProviderSpec.PUBLIC_REGISTRY);
      }
      return hosts;
    }

    /** The account for messages: its spec path and AWS account IDs. */
    String label() {
      List<String> ids = new ArrayList<>(registries.stream().map(EcrRegistry::account).distinct().toList());
      if (publicRegistry) {
        ids.add(EcrProviderSpec.PUBLIC_REGISTRY);
      }
      return where + " (" + String.join(", ", ids) + ")";
    }
  }

  private static List<Account> accounts(EcrProviderSpec spec) throws ProviderException {
    if (spec.getAccounts() == null || spec.getAccounts().isEmpty()) {
      return List.of(account("spec.provider.ecr", spec.getRegistries(), spec.wantsPublic(), spec.getAuth()));
    }
    if (spec.getAuth() != null || spec.getRegistries() != null || spec.getPublic() != null) {
      throw ProviderException.invalid(Reasons.INVALID_SPEC,
          "spec.provider.ecr sets accounts and also auth, registries or public: with accounts, each account sets its own");
    }
    List<Account> accounts = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < spec.getAccounts().size(); i++) {
      EcrAccountSpec a = spec.getAccounts().get(i);
      String where = "spec.provider.ecr.accounts[" + i + "]";
      if (a == null) {
        throw ProviderException.invalid(Reasons.INVALID_SPEC, where + " is empty");
      }
      Account account = account(where, a.getRegistries(), a.wantsPublic(), a.getAuth());
      for (String host : account.hosts()) {
        if (!seen.add(host)) {
          throw ProviderException.invalid(Reasons.INVALID_SPEC, where + " lists " + host
              + ", which an earlier account lists too: each registry is rendered once, with one account's token");
        }
      }
      accounts.add(account);
    }
    return accounts;
  }

  private static Account account(String where, List<String> entries, boolean wantsPublic, EcrAuthSpec auth)
      throws ProviderException {
    List<EcrRegistry> registries = new ArrayList<>();
    for (String r : entries == null ? List.<String>of() : entries) {
      if (EcrProviderSpec.isPublicRegistry(r)) {
        continue;
      }
      EcrRegistry parsed = EcrRegistry.parse(r);
      if (registries.stream().noneMatch(x -> x.host().equals(parsed.host()))) {
        registries.add(parsed);
      }
    }
    if (registries.isEmpty() && !wantsPublic) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, where + ".registries is empty and public is not true");
    }
    if (auth == null) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, where + ".auth is not set");
    }
    return new Account(where, List.copyOf(registries), wantsPublic, auth);
  }

  /** One account: its identity (STS in the region of its first private registry, else us-east-1), then its tokens. */
  private Part fetch(ProviderRequest request, Account account) throws ProviderException {
    Redactor redactor = new Redactor();
    Region stsRegion = account.registries().isEmpty() ? Region.US_EAST_1 : Region.of(account.registries().get(0).region());
    EcrAuthSpec auth = account.auth();
    String field = account.where() + ".auth";
    try (Sts sts = new Sts(clients, stsRegion)) {
      AwsCredentialsProvider identity = baseIdentity(request, field, auth, sts, redactor);
      if (auth.getAssumeRole() != null) {
        identity = assumeRole(request.resource(), field + ".assumeRole", auth.getAssumeRole(), identity, sts, redactor);
      }
      List<RegistryLogin> logins = new ArrayList<>();
      Instant expiresAt = null;
      if (!account.registries().isEmpty()) {
        Part part = authorizationTokens(account.registries(), identity, redactor);
        logins.addAll(part.logins());
        expiresAt = part.expiresAt();
      }
      if (account.publicRegistry()) {
        Part part = publicAuthorizationToken(identity, redactor);
        logins.addAll(part.logins());
        expiresAt = earliest(expiresAt, part.expiresAt());
      }
      return new Part(logins, expiresAt);
    }
  }

  /** ECR Public: one GetAuthorizationToken call in us-east-1, one token for public.ecr.aws. */
  private Part publicAuthorizationToken(AwsCredentialsProvider identity, Redactor redactor) throws ProviderException {
    String call = "ECR Public GetAuthorizationToken in us-east-1";
    software.amazon.awssdk.services.ecrpublic.model.AuthorizationData data;
    try (EcrPublicClient ecrPublic = clients.ecrPublic(identity)) {
      data = ecrPublic.getAuthorizationToken(b -> {}).authorizationData();
    } catch (RuntimeException ex) {
      throw AwsErrors.map(call, ex, redactor);
    }
    if (data == null || data.authorizationToken() == null) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, call + " returned no authorization data");
    }
    String password = decode(data.authorizationToken(), call, redactor);
    if (data.expiresAt() == null) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, call + " returned a token without expiresAt");
    }
    return new Part(List.of(new RegistryLogin(EcrProviderSpec.PUBLIC_REGISTRY, USERNAME, password)), data.expiresAt());
  }

  /** One GetAuthorizationToken call per region, with the accounts of that region as registryIds. */
  private Part authorizationTokens(List<EcrRegistry> registries, AwsCredentialsProvider identity, Redactor redactor)
      throws ProviderException {
    Map<String, List<EcrRegistry>> byRegion = new LinkedHashMap<>();
    for (EcrRegistry r : registries) {
      byRegion.computeIfAbsent(r.region(), k -> new ArrayList<>()).add(r);
    }
    Map<String, RegistryLogin> logins = new LinkedHashMap<>();
    Instant expiresAt = null;
    for (Map.Entry<String, List<EcrRegistry>> e : byRegion.entrySet()) {
      List<String> accounts = e.getValue().stream().map(EcrRegistry::account).distinct().toList();
      String call = "ECR GetAuthorizationToken in " + e.getKey();
      List<AuthorizationData> data;
      try (EcrClient ecr = clients.ecr(Region.of(e.getKey()), identity)) {
        data = ecr.getAuthorizationToken(b -> b.registryIds(accounts)).authorizationData();
      } catch (RuntimeException ex) {
        throw AwsErrors.map(call, ex, redactor);
      }
      if (data == null || data.isEmpty()) {
        throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, call + " returned no authorization data");
      }
      for (EcrRegistry r : e.getValue()) {
        AuthorizationData d = data.stream()
            .filter(x -> x.proxyEndpoint() != null && r.servedBy(x.proxyEndpoint()))
            .findFirst()
            .orElse(data.get(0));
        logins.put(r.host(), new RegistryLogin(r.host(), USERNAME, decode(d.authorizationToken(), call, redactor)));
        if (d.expiresAt() != null && (expiresAt == null || d.expiresAt().isBefore(expiresAt))) {
          expiresAt = d.expiresAt();
        }
      }
    }
    if (expiresAt == null) {
      throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "ECR returned a token without expiresAt");
    }
    return new Part(registries.stream().map(r -> logins.get(r.host())).toList(), expiresAt);
  }

  private AwsCredentialsProvider baseIdentity(ProviderRequest request, String field, EcrAuthSpec auth, Sts sts,
      Redactor redactor)
      throws ProviderException {
    if (auth.getAccessKeys() != null) {
      String name = auth.getAccessKeys().getSecretRef() == null ? null : auth.getAccessKeys().getSecretRef().getName();
      Secret secret = SecretData.require(request.secrets(), name);
      String id = redactor.add(SecretData.text(secret, ACCESS_KEY_ID).trim());
      String key = redactor.add(SecretData.text(secret, SECRET_ACCESS_KEY).trim());
      String session = redactor.add(optionalText(secret, SESSION_TOKEN));
      AwsCredentials creds = session == null
          ? AwsBasicCredentials.create(id, key)
          : AwsSessionCredentials.create(id, key, session);
      return StaticCredentialsProvider.create(creds);
    }
    if (auth.getWebIdentity() != null) {
      AwsWebIdentitySpec wi = auth.getWebIdentity();
      String roleArn = requireRoleArn(wi.getRoleArn(), field + ".webIdentity.roleArn");
      String audience = wi.getAudience() == null || wi.getAudience().isBlank() ? DEFAULT_AUDIENCE : wi.getAudience();
      String token = redactor.add(tokens.token(request, field + ".webIdentity",
          wi.getServiceAccountName(), audience, TokenPolicy.Cloud.AWS));
      return webIdentity(roleArn, token, sessionName(request.resource()), sts, redactor);
    }
    if (auth.getAmbient() != null) {
      tokens.requireTrusted(request, "the operator's own AWS identity (" + field + ".ambient)", "use accessKeys or webIdentity");
      return ambient(sts, redactor);
    }
    throw ProviderException.invalid(Reasons.INVALID_SOURCE,
        field + " must set one of accessKeys, webIdentity and ambient");
  }

  /**
   * The operator's identity. When the operator itself runs with IRSA
   * ({@code AWS_WEB_IDENTITY_TOKEN_FILE} and {@code AWS_ROLE_ARN}), the token file is traded
   * through the same web identity provider and STS client as a tenant's token (so endpoint
   * overrides apply); otherwise the SDK's default chain (Pod Identity, instance role,
   * environment keys).
   */
  private AwsCredentialsProvider ambient(Sts sts, Redactor redactor) throws ProviderException {
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
      return webIdentity(role, token, env.getOrDefault("AWS_ROLE_SESSION_NAME", "pullsecret-operator"), sts, redactor);
    }
    try {
      AwsCredentials resolved = clients.ambient().resolveCredentials();
      redactor.add(resolved.secretAccessKey());
      return StaticCredentialsProvider.create(resolved);
    } catch (SdkException e) {
      throw ProviderException.transientFailure(Reasons.AUTHENTICATION_FAILED,
          "the operator has no usable AWS identity (default chain): " + redactor.clean(e.getMessage()));
    }
  }

  /** The SDK's web identity provider on an unsigned STS client (the token is the proof). */
  private static AwsCredentialsProvider webIdentity(String roleArn, String token, String session, Sts sts,
      Redactor redactor) throws ProviderException {
    return sts.resolved("STS AssumeRoleWithWebIdentity for " + roleArn, StsAssumeRoleWithWebIdentityCredentialsProvider.builder()
        .stsClient(sts.anonymous())
        .refreshRequest(b -> b.roleArn(roleArn).roleSessionName(session).webIdentityToken(token))
        .build(), redactor);
  }

  /** The SDK's assume-role provider on an STS client signing with {@code base}. */
  private static AwsCredentialsProvider assumeRole(CredentialResource<?> rc, String field, AwsAssumeRoleSpec spec,
      AwsCredentialsProvider base, Sts sts, Redactor redactor) throws ProviderException {
    String roleArn = requireRoleArn(spec.getRoleArn(), field + ".roleArn");
    String externalId = spec.getExternalId() == null || spec.getExternalId().isBlank() ? null : spec.getExternalId();
    return sts.resolved("STS AssumeRole for " + roleArn, StsAssumeRoleCredentialsProvider.builder()
        .stsClient(sts.signedWith(base))
        .refreshRequest(b -> b.roleArn(roleArn).roleSessionName(sessionName(rc)).externalId(externalId))
        .build(), redactor);
  }

  /**
   * The STS clients and credential providers of one fetch, all on the factory's clients (so
   * endpoint overrides apply), closed after it.
   */
  private static final class Sts implements AutoCloseable {
    private final AwsClientFactory clients;
    private final Region region;
    private final List<SdkAutoCloseable> open = new ArrayList<>();

    Sts(AwsClientFactory clients, Region region) {
      this.clients = clients;
      this.region = region;
    }

    /** A client without credentials, for AssumeRoleWithWebIdentity (unsigned: the token is the proof). */
    StsClient anonymous() {
      return signedWith(AnonymousCredentialsProvider.create());
    }

    StsClient signedWith(AwsCredentialsProvider credentials) {
      StsClient client = clients.sts(region, credentials);
      open.add(client);
      return client;
    }

    /**
     * The provider after its first call to STS, made now so that a failure names the STS call;
     * the credentials it received are redacted from every later message.
     */
    <P extends AwsCredentialsProvider & SdkAutoCloseable> P resolved(String call, P provider, Redactor redactor)
        throws ProviderException {
      open.add(provider);
      AwsCredentials credentials;
      try {
        credentials = provider.resolveCredentials();
      } catch (RuntimeException e) {
        throw AwsErrors.map(call, e, redactor);
      }
      redactor.add(credentials.secretAccessKey());
      if (credentials instanceof AwsSessionCredentials session) {
        redactor.add(session.sessionToken());
      }
      return provider;
    }

    @Override
    public void close() {
      for (int i = open.size() - 1; i >= 0; i--) {
        open.get(i).close();
      }
    }
  }

  private static String requireRoleArn(String arn, String field) throws ProviderException {
    if (arn == null || !arn.startsWith("arn:")) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, field + " must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)");
    }
    return arn;
  }

  /** {@code pullsecrets-<namespace>-<name>}, in STS's alphabet and at most 64 characters. */
  static String sessionName(CredentialResource<?> rc) {
    String raw = "pullsecrets-" + (rc.clusterScoped() ? "cluster" : rc.getMetadata().getNamespace()) + "-" + rc.getMetadata().getName();
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
}
