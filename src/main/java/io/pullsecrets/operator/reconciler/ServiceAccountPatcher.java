package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds or removes the operator's one {@code imagePullSecrets} entry on a ServiceAccount with a
 * JSON patch guarded by a {@code test} op ({@link ServiceAccountPatches}). When a concurrent edit
 * wins, it reads the ServiceAccount again and retries at once: many credentials patching one
 * ServiceAccount must not wait for a backoff.
 */
final class ServiceAccountPatcher {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceAccountPatcher.class);
  /** Attempts of one patch that loses to concurrent edits (each after a fresh read). */
  static final int ATTEMPTS = 5;

  private final KubernetesClient client;

  ServiceAccountPatcher(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Makes a ServiceAccount hold the entry {@code secretName} when {@code want} says so of it, and
   * not hold it otherwise, starting from {@code cached}. A 422 (the {@code test} op failed) or a
   * 409 is retried against a fresh read, up to {@link #ATTEMPTS} attempts in all; any other error
   * is thrown. Returns the number of writes (0 or 1).
   */
  int ensure(ServiceAccount cached, String secretName, Predicate<ServiceAccount> want) {
    String ns = cached.getMetadata().getNamespace();
    String name = cached.getMetadata().getName();
    ServiceAccount sa = cached;
    for (int attempt = 1; ; attempt++) {
      boolean add = want.test(sa);
      if (add == ServiceAccountPatches.hasEntry(sa, secretName)) {
        return 0;
      }
      try {
        patch(sa, add ? ServiceAccountPatches.add(sa, secretName) : ServiceAccountPatches.remove(sa, secretName));
        LOG.info(add ? "added entry {} to ServiceAccount {}/{}" : "removed entry {} from ServiceAccount {}/{}", secretName, ns, name);
        return 1;
      } catch (KubernetesClientException e) {
        if ((e.getCode() != 422 && e.getCode() != 409) || attempt >= ATTEMPTS) {
          throw e;
        }
        LOG.debug("patch of ServiceAccount {}/{} lost to a concurrent edit (HTTP {}); retrying against a fresh read", ns, name, e.getCode());
        sa = client.serviceAccounts().inNamespace(ns).withName(name).get();
        if (sa == null) {
          return 0;
        }
      }
    }
  }

  private void patch(ServiceAccount sa, String jsonPatch) {
    // resource(sa) sends the patch alone; withName(..).patch(..) would GET the object first.
    client.serviceAccounts()
        .inNamespace(sa.getMetadata().getNamespace())
        .resource(sa)
        .patch(PatchContext.of(PatchType.JSON), jsonPatch);
  }
}
