package io.pullsecrets.operator.provider;

import io.pullsecrets.operator.api.RegistryCredential;
import java.time.Clock;

/**
 * What a provider gets for one fetch.
 *
 * @param resource the RegistryCredential being refreshed (read-only)
 * @param secrets Secrets of the resource's own namespace; reads are watched for changes
 * @param trusted whether the resource's namespace may use the operator's own (ambient) identity
 * @param clock the operator's clock
 */
public record ProviderRequest(RegistryCredential resource, SourceSecrets secrets, boolean trusted, Clock clock) {

  public String namespace() {
    return resource.getMetadata().getNamespace();
  }
}
