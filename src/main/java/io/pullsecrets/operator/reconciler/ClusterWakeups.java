package io.pullsecrets.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.pullsecrets.operator.api.ClusterRegistryCredential;
import java.util.HashSet;
import java.util.Set;

/**
 * The ClusterRegistryCredential controller's event source. The informers (namespaces,
 * ServiceAccounts, managed Secrets, pull events) and the source Secret watches belong to the
 * RegistryCredential controller and are not built twice: their events name credentials of both
 * kinds by {@link ResourceID}, and those without a namespace (the cluster kind) are handed here.
 */
final class ClusterWakeups extends AbstractEventSource<ClusterRegistryCredential, ClusterRegistryCredential> {

  ClusterWakeups() {
    super(ClusterRegistryCredential.class, "shared-informers");
  }

  /** Wakes one ClusterRegistryCredential (nothing before its controller runs: it reconciles all of them when it starts). */
  void wake(ResourceID id) {
    if (getEventHandler() != null && isRunning()) {
      getEventHandler().handleEvent(new Event(id));
    }
  }

  /** Wakes the ClusterRegistryCredentials among {@code ids} and returns the others (RegistryCredentials). */
  Set<ResourceID> route(Set<ResourceID> ids) {
    Set<ResourceID> namespaced = new HashSet<>();
    for (ResourceID id : ids) {
      if (id.getNamespace().isPresent()) {
        namespaced.add(id);
      } else {
        wake(id);
      }
    }
    return namespaced;
  }

  @Override
  public Set<ClusterRegistryCredential> getSecondaryResources(ClusterRegistryCredential primary) {
    return Set.of();
  }
}
