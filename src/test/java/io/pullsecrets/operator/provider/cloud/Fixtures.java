package io.pullsecrets.operator.provider.cloud;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialSpec;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.SourceSecrets;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** RegistryCredentials, source Secrets and requests for provider tests. */
public final class Fixtures {
  public static final String NAMESPACE = "team-a";
  /** Name of the RegistryCredential of {@link #credential}. */
  public static final String NAME = "pull";

  private Fixtures() {}

  public static RegistryCredential credential(ProviderSpec provider) {
    RegistryCredential rc = new RegistryCredential();
    rc.setMetadata(new ObjectMetaBuilder().withName(NAME).withNamespace(NAMESPACE).withUid("uid-1").build());
    RegistryCredentialSpec spec = new RegistryCredentialSpec();
    spec.setProvider(provider);
    rc.setSpec(spec);
    return rc;
  }

  public static Secret secret(String name, Map<String, String> values) {
    Map<String, String> data = new LinkedHashMap<>();
    values.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata()
        .withData(data).build();
  }

  /** Secrets of the test namespace, by name. */
  public static final class Secrets implements SourceSecrets {
    private final Map<String, Secret> secrets = new HashMap<>();

    public Secrets put(Secret s) {
      secrets.put(s.getMetadata().getName(), s);
      return this;
    }

    @Override
    public Optional<Secret> get(String name) {
      return Optional.ofNullable(secrets.get(name));
    }
  }

  /** The message of a fetch refused because ServiceAccount 'deployer' did not opt in for credential 'pull'. */
  public static final String NOT_OPTED_IN = "ServiceAccount 'deployer' does not allow RegistryCredential 'pull' to request"
      + " its tokens: add 'pull' to its annotation pullsecrets.io/allowed-credentials";

  /** Asserts that {@code fetch} fails for good (not retryable) with {@code reason}; returns the failure for more checks. */
  public static io.pullsecrets.operator.provider.ProviderException refused(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable fetch, String reason) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(fetch);
    org.assertj.core.api.Assertions.assertThat(t).isInstanceOf(io.pullsecrets.operator.provider.ProviderException.class);
    var e = (io.pullsecrets.operator.provider.ProviderException) t;
    org.assertj.core.api.Assertions.assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
    org.assertj.core.api.Assertions.assertThat(e.retryable()).as("retryable").isFalse();
    return e;
  }

  public static ProviderRequest request(ProviderSpec provider, SourceSecrets secrets, boolean trusted) {
    return new ProviderRequest(credential(provider), secrets, trusted, Clock.systemUTC());
  }

  /** A request whose credential may also send tokens to these hosts (PULLSECRET_ALLOWED_ENDPOINT_HOSTS). */
  public static ProviderRequest request(ProviderSpec provider, SourceSecrets secrets, boolean trusted, String... allowedHosts) {
    return new ProviderRequest(credential(provider), secrets, trusted, java.util.Set.of(allowedHosts), Clock.systemUTC());
  }
}
