package io.pullsecrets.operator.provider.dockerconfig;

import io.fabric8.kubernetes.api.model.Secret;
import io.pullsecrets.operator.api.DockerConfigProviderSpec;
import io.pullsecrets.operator.api.ProviderKind;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.DockerConfigJson;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.SecretData;
import java.util.List;

/** An existing {@code .dockerconfigjson}, checked for shape and passed through byte for byte. */
public final class DockerConfigCredentialProvider implements CredentialProvider {
  public static final String KEY = ".dockerconfigjson";

  @Override
  public ProviderKind kind() {
    return ProviderKind.DOCKER_CONFIG;
  }

  @Override
  public Credential fetch(ProviderRequest request) throws ProviderException {
    DockerConfigProviderSpec spec = request.resource().getSpec().getProvider().getDockerConfig();
    String name = spec.getSecretRef() == null ? null : spec.getSecretRef().getName();
    Secret secret = SecretData.require(request.secrets(), name);
    byte[] json = SecretData.bytes(secret, KEY);
    List<String> registries;
    try {
      registries = DockerConfigJson.registries(json);
    } catch (DockerConfigJson.InvalidDockerConfigException e) {
      throw ProviderException.invalid(
          Reasons.INVALID_SOURCE, "Secret '" + name + "' key '" + KEY + "' " + e.getMessage());
    }
    return new Credential(registries, json, null);
  }
}
