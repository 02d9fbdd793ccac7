package io.pullsecrets.operator.provider;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.Optional;

/**
 * Read access to Secrets in the RegistryCredential's own namespace, and nowhere else. Every
 * Secret read through it is watched, so a change to it refreshes the credential at once.
 */
public interface SourceSecrets {
  Optional<Secret> get(String name);
}
