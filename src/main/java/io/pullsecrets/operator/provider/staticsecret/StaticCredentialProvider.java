package io.pullsecrets.operator.provider.staticsecret;

import io.fabric8.kubernetes.api.model.Secret;
import io.pullsecrets.operator.api.ProviderKind;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.StaticProviderSpec;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.RegistryLogin;
import io.pullsecrets.operator.provider.SecretData;
import java.util.List;

/** Username and password from a Secret with the keys {@code username} and {@code password}. */
public final class StaticCredentialProvider implements CredentialProvider {
  public static final String USERNAME_KEY = "username";
  public static final String PASSWORD_KEY = "password";

  @Override
  public ProviderKind kind() {
    return ProviderKind.STATIC;
  }

  @Override
  public Credential fetch(ProviderRequest request) throws ProviderException {
    StaticProviderSpec spec = request.resource().getSpec().getProvider().getStatic();
    if (spec.getRegistry() == null || spec.getRegistry().isBlank()) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "spec.provider.static.registry is empty");
    }
    String name = spec.getSecretRef() == null ? null : spec.getSecretRef().getName();
    Secret secret = SecretData.require(request.secrets(), name);
    String username = SecretData.text(secret, USERNAME_KEY);
    String password = SecretData.text(secret, PASSWORD_KEY);
    if (username.contains(":")) {
      throw ProviderException.invalid(
          Reasons.INVALID_SOURCE, "Secret '" + name + "' key 'username' must not contain ':'");
    }
    return Credential.of(List.of(new RegistryLogin(spec.getRegistry().trim(), username, password)), null);
  }
}
