package io.pullsecrets.operator.provider;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.provider.azure.AzureCredentialProvider;
import io.pullsecrets.operator.provider.azure.DefaultAzureClientFactory;
import io.pullsecrets.operator.provider.cloud.KubernetesServiceAccountTokens;
import io.pullsecrets.operator.provider.cloud.TokenPolicy;
import io.pullsecrets.operator.provider.dockerconfig.DockerConfigCredentialProvider;
import io.pullsecrets.operator.provider.ecr.DefaultAwsClientFactory;
import io.pullsecrets.operator.provider.ecr.EcrCredentialProvider;
import io.pullsecrets.operator.provider.gcp.DefaultGcpClientFactory;
import io.pullsecrets.operator.provider.gcp.GcpCredentialProvider;
import io.pullsecrets.operator.provider.gitlab.GitLabCredentialProvider;
import io.pullsecrets.operator.provider.harbor.HarborCredentialProvider;
import io.pullsecrets.operator.provider.staticsecret.StaticCredentialProvider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The providers the operator knows, by their field name under {@code spec.provider}. */
public final class ProviderRegistry {
  private final Map<String, CredentialProvider> providers = new LinkedHashMap<>();

  public ProviderRegistry(List<CredentialProvider> providers) {
    for (CredentialProvider p : providers) {
      if (this.providers.putIfAbsent(p.name(), p) != null) {
        throw new IllegalArgumentException("two providers named " + p.name());
      }
    }
  }

  /**
   * Every provider this operator ships, with production clients. The cloud providers share one
   * {@link TokenPolicy}: the gate before the operator lends a ServiceAccount's identity, uses its
   * own, or sends tokens anywhere on a tenant's behalf. A new provider is one line here.
   */
  public static ProviderRegistry defaults(KubernetesClient client) {
    TokenPolicy trust = new TokenPolicy(new KubernetesServiceAccountTokens(client));
    return new ProviderRegistry(List.of(
        new StaticCredentialProvider(),
        new DockerConfigCredentialProvider(),
        new EcrCredentialProvider(new DefaultAwsClientFactory(), trust),
        new GcpCredentialProvider(new DefaultGcpClientFactory(), trust),
        new AzureCredentialProvider(new DefaultAzureClientFactory(), trust),
        new HarborCredentialProvider(),
        new GitLabCredentialProvider(client)));
  }

  /** The registered providers, in registration order. */
  public List<CredentialProvider> providers() {
    return List.copyOf(providers.values());
  }

  /** The provider for a spec that names exactly one provider. */
  public Optional<CredentialProvider> forSpec(ProviderSpec spec) {
    List<String> configured = spec == null ? List.of() : spec.configured();
    return configured.size() == 1 ? Optional.ofNullable(providers.get(configured.get(0))) : Optional.empty();
  }
}
