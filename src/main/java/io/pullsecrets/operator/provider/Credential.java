package io.pullsecrets.operator.provider;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * A credential ready to be replicated: the exact bytes of the {@code .dockerconfigjson}, the
 * registries it covers, and when it expires ({@code null}: it does not expire by itself).
 * {@link #toString()} never shows the bytes.
 */
public record Credential(List<String> registries, byte[] dockerConfigJson, Instant expiresAt) {

  public Credential {
    registries = List.copyOf(registries);
    dockerConfigJson = dockerConfigJson.clone();
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
        && java.util.Objects.equals(expiresAt, c.expiresAt);
  }

  @Override
  public int hashCode() {
    return 31 * registries.hashCode() + Arrays.hashCode(dockerConfigJson);
  }

  @Override
  public String toString() {
    return "Credential[registries=" + registries + ", expiresAt=" + expiresAt + ", dockerConfigJson=<redacted>]";
  }
}
