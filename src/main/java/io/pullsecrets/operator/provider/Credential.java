package io.pullsecrets.operator.provider;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * A credential ready to be replicated: the exact bytes of the {@code .dockerconfigjson}, the
 * registries it covers, and when it expires ({@code null}: it does not expire by itself).
 * {@link #toString()} never shows the bytes.
 *
 * @param partialFailure null, or what failed in a credential served in part: some of its entries
 *     could not be refreshed and keep their last good value (or are left out); the reconciler
 *     serves the credential, reports this as a failed refresh and retries it with backoff
 */
public record Credential(List<String> registries, byte[] dockerConfigJson, Instant expiresAt,
    ProviderException partialFailure) {

  public Credential {
    registries = List.copyOf(registries);
    dockerConfigJson = dockerConfigJson.clone();
  }

  public Credential(List<String> registries, byte[] dockerConfigJson, Instant expiresAt) {
    this(registries, dockerConfigJson, expiresAt, null);
  }

  /** This credential, served in part: {@code failure} says what could not be refreshed. */
  public Credential withPartialFailure(ProviderException failure) {
    return new Credential(registries, dockerConfigJson, expiresAt, failure);
  }

  /** Renders logins the way {@code kubectl create secret docker-registry} does. */
  public static Credential of(List<RegistryLogin> logins, Instant expiresAt) {
    return new Credential(
        logins.stream().map(RegistryLogin::registry).toList(), DockerConfigJson.render(logins), expiresAt);
  }

  @Override
  public byte[] dockerConfigJson() {
    return dockerConfigJson.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Credential c
        && registries.equals(c.registries)
        && Arrays.equals(dockerConfigJson, c.dockerConfigJson)
        && java.util.Objects.equals(expiresAt, c.expiresAt)
        && java.util.Objects.equals(partialFailure, c.partialFailure);
  }

  @Override
  public int hashCode() {
    return 31 * registries.hashCode() + Arrays.hashCode(dockerConfigJson);
  }

  @Override
  public String toString() {
    return "Credential[registries=" + registries + ", expiresAt=" + expiresAt + ", dockerConfigJson=<redacted>"
        + (partialFailure == null ? "" : ", partialFailure=" + partialFailure.reason()) + "]";
  }
}
