package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Locale;

/**
 * Amazon ECR private registries and ECR Public: tokens from GetAuthorizationToken, one call per
 * AWS identity and region per refresh. Either one identity ({@code auth} with {@code registries}
 * and/or {@code public}) or several ({@code accounts}), all rendered into one Secret.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.auth) != has(self.accounts)", message = "set either auth (one AWS identity) or accounts (several), not both")
@ValidationRule(value = "!has(self.auth) || " + EcrProviderSpec.REGISTRIES_OR_PUBLIC_RULE, message = EcrProviderSpec.REGISTRIES_OR_PUBLIC_MESSAGE)
@ValidationRule(value = "!has(self.accounts) || (!has(self.registries) && !has(self.public))", message = "with accounts, registries and public are set in each account")
public class EcrProviderSpec {
  /** The registry of ECR Public, whose one token serves every public repository. */
  public static final String PUBLIC_REGISTRY = "public.ecr.aws";
  static final String REGISTRIES_OR_PUBLIC_RULE =
      "(has(self.registries) && size(self.registries) > 0) || (has(self.public) && self.public)";
  static final String REGISTRIES_OR_PUBLIC_MESSAGE = "registries must list a registry, or public be true";
  static final String REGISTRIES_DESCRIPTION = "ECR registry hosts, for example 123456789012.dkr.ecr.eu-west-1.amazonaws.com. Accounts and regions may differ; the region is read from each host. All are rendered into the one .dockerconfigjson, with one GetAuthorizationToken call per region. The entry public.ecr.aws means ECR Public (as public: true).";
  static final String PUBLIC_DESCRIPTION = "Also log in to ECR Public (public.ecr.aws) with this identity: one ecr-public GetAuthorizationToken call in us-east-1, whose token serves every public repository and lifts the anonymous pull rate limits. Needs ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken.";

  @JsonPropertyDescription(REGISTRIES_DESCRIPTION)
  @io.fabric8.generator.annotation.Size(max = 50)
  private List<String> registries;

  @JsonProperty("public")
  @JsonPropertyDescription(PUBLIC_DESCRIPTION)
  private Boolean publicRegistry;

  @JsonPropertyDescription("The AWS identity used to call ECR: exactly one of accessKeys, webIdentity and ambient, optionally with assumeRole on top. Not with accounts.")
  private EcrAuthSpec auth;

  @JsonPropertyDescription("Several AWS identities (accounts), each with its own registries, rendered into one Secret: one token call per account and region per refresh; the Secret's expiry is the earliest. When one account fails, the others are refreshed, the failed account's entries keep their last good token while it lasts, and the conditions name the account. Not with auth.")
  @io.fabric8.generator.annotation.Size(min = 1, max = 20)
  private List<EcrAccountSpec> accounts;

  public List<String> getRegistries() {
    return registries;
  }

  public void setRegistries(List<String> registries) {
    this.registries = registries;
  }

  @JsonProperty("public")
  public Boolean getPublic() {
    return publicRegistry;
  }

  @JsonProperty("public")
  public void setPublic(Boolean publicRegistry) {
    this.publicRegistry = publicRegistry;
  }

  public EcrAuthSpec getAuth() {
    return auth;
  }

  public void setAuth(EcrAuthSpec auth) {
    this.auth = auth;
  }

  public List<EcrAccountSpec> getAccounts() {
    return accounts;
  }

  public void setAccounts(List<EcrAccountSpec> accounts) {
    this.accounts = accounts;
  }

  /** Whether {@code public.ecr.aws} is asked for, by {@code public: true} or a registries entry. */
  @JsonIgnore
  public boolean wantsPublic() {
    return wantsPublic(publicRegistry, registries);
  }

  static boolean wantsPublic(Boolean publicFlag, List<String> registries) {
    return Boolean.TRUE.equals(publicFlag)
        || (registries != null && registries.stream().anyMatch(EcrProviderSpec::isPublicRegistry));
  }

  /** Whether a registries entry names ECR Public ({@code public.ecr.aws}, with or without https://). */
  public static boolean isPublicRegistry(String entry) {
    if (entry == null) {
      return false;
    }
    String e = entry.trim().toLowerCase(Locale.ROOT);
    if (e.startsWith("https://")) {
      e = e.substring("https://".length());
    }
    while (e.endsWith("/")) {
      e = e.substring(0, e.length() - 1);
    }
    return e.equals(PUBLIC_REGISTRY);
  }
}
