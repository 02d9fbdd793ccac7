package io.pullsecrets.operator.provider;

import java.util.Objects;

/** A username and password for one registry host. {@link #toString()} never shows the password. */
public record RegistryLogin(String registry, String username, String password) {
  public RegistryLogin {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
  }

  @Override
  public String toString() {
    return "RegistryLogin[registry=" + registry + ", username=" + username + ", password=<redacted>]";
  }
}
