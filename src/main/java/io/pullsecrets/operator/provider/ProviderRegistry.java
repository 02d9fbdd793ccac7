package io.pullsecrets.operator.provider;

import io.pullsecrets.operator.api.ProviderSpec;
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

  /** Every provider this operator ships, with production clients. */
  public static ProviderRegistry defaults(io.fabric8.kubernetes.client.KubernetesClient client) {
    var tokens = new io.pullsecrets.operator.provider.cloud.KubernetesServiceAccountTokens(client);
    return new ProviderRegistry(List.of(
        new io.pullsecrets.operator.provider.staticsecret.StaticCredentialProvider(),
        new io.pullsecrets.operator.provider.dockerconfig.DockerConfigCredentialProvider(),
        new io.pullsecrets.operator.provider.ecr.EcrCredentialProvider(
            new io.pullsecrets.operator.provider.ecr.DefaultAwsClientFactory(), tokens),
        new io.pullsecrets.operator.provider.gcp.GcpCredentialProvider(
            new io.pullsecrets.operator.provider.gcp.DefaultGcpClientFactory(), tokens),
        new io.pullsecrets.operator.provider.azure.AzureCredentialProvider(
            new io.pullsecrets.operator.provider.azure.DefaultAzureClientFactory(), tokens)));
  }

  /** The provider for a spec that names exactly one provider. */
  public Optional<CredentialProvider> forSpec(ProviderSpec spec) {
    List<String> configured = spec == null ? List.of() : spec.configured();
    return configured.size() == 1 ? Optional.ofNullable(providers.get(configured.get(0))) : Optional.empty();
  }
}
