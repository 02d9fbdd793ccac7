package io.pullsecrets.operator.provider;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.Optional;

/**
 * Read access to Secrets in the RegistryCredential's own namespace, and nowhere else. Every
 * Secret read through it is watched, so a change to it refreshes the credential at once. Each
 * call reads the Secret from the API server (the watch caches its version, not its data): read a
 * Secret once per fetch and keep only the keys used.
 */
public interface SourceSecrets {
  Optional<Secret> get(String name);
}
