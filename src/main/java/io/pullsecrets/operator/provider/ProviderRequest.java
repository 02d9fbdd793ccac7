package io.pullsecrets.operator.provider;

import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.time.Clock;
import java.util.Objects;
import java.util.Set;

/**
 * What a provider gets for one fetch.
 *
 * @param resource the RegistryCredential or ClusterRegistryCredential being refreshed (read-only)
 * @param secrets Secrets of the resource's source namespace ({@link #namespace}); reads are watched for changes
 * @param trusted whether the resource may use the operator's own (ambient) identity: a
 *     RegistryCredential of a trusted namespace, or a ClusterRegistryCredential
 * @param allowedEndpointHosts {@code host} or {@code host:port} entries (lower case) that
 *     credentials outside trusted namespaces may send tokens to besides the clouds' own endpoints
 * @param clock the operator's clock
 * @param previous the last good credential of this RegistryCredential that has not expired, or
 *     null: a provider that refreshes parts separately may keep a failed part's entries from it
 */
public record ProviderRequest(CredentialResource<?> resource, SourceSecrets secrets, boolean trusted,
    Set<String> allowedEndpointHosts, Clock clock, Credential previous) {

  public ProviderRequest {
    allowedEndpointHosts = allowedEndpointHosts == null ? Set.of() : Set.copyOf(allowedEndpointHosts);
    Objects.requireNonNull(resource, "resource");
  }

  /** A request without a previous credential. */
  public ProviderRequest(CredentialResource<?> resource, SourceSecrets secrets, boolean trusted, Set<String> allowedEndpointHosts,
      Clock clock) {
    this(resource, secrets, trusted, allowedEndpointHosts, clock, null);
  }

  /** A request without extra allowed endpoint hosts. */
  public ProviderRequest(CredentialResource<?> resource, SourceSecrets secrets, boolean trusted, Clock clock) {
    this(resource, secrets, trusted, Set.of(), clock);
  }

  /**
   * The namespace its Secrets and ServiceAccounts belong to: a RegistryCredential's own, a
   * ClusterRegistryCredential's {@code spec.sourceNamespace} ({@link CredentialResource#sourceNamespace}).
   */
  public String namespace() {
    return resource.sourceNamespace();
  }

  /** The RegistryCredential's name (what a ServiceAccount's allowed-credentials annotation lists). */
  public String name() {
    return resource.getMetadata().getName();
  }
}
