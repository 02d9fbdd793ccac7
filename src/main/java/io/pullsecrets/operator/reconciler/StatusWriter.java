package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.RegistryCredentialStatus;

/**
 * Writes a RegistryCredential's status. On a real API server: server-side apply of the name and
 * the status only, put into JOSDK's cache ({@link #SERVER_SIDE_APPLY}). fabric8's CRUD mock has no
 * server-side apply; there, and only there, JOSDK writes the status as a JSON diff
 * ({@link #JSON_DIFF_FOR_CRUD_MOCK}).
 */
interface StatusWriter {
  /** The control that ends a reconcile whose status changed to {@code next}. */
  UpdateControl<RegistryCredential> write(RegistryCredential rc, RegistryCredentialStatus next, Context<RegistryCredential> context);

  /** The control that ends a reconcile: {@code next} written only when it differs from {@code old}. */
  default UpdateControl<RegistryCredential> update(RegistryCredential rc, RegistryCredentialStatus old,
      RegistryCredentialStatus next, Context<RegistryCredential> context) {
    return Serialization.asJson(old).equals(Serialization.asJson(next)) ? UpdateControl.noUpdate() : write(rc, next, context);
  }

  /** The writer JOSDK's configuration asks for. */
  static StatusWriter of(boolean serverSideApply) {
    return serverSideApply ? SERVER_SIDE_APPLY : JSON_DIFF_FOR_CRUD_MOCK;
  }

  /**
   * Server-side apply of name and status only (a resourceVersion would turn the apply into an
   * optimistic-lock write that fails with 409 whenever the cache lags), and the result put in
   * JOSDK's cache: the next reconcile starts from this status even when its event comes before the
   * informer has seen the write, so it neither repeats an event nor undoes a transition.
   */
  StatusWriter SERVER_SIDE_APPLY = (rc, next, context) -> {
    RegistryCredential patch = new RegistryCredential();
    patch.setMetadata(new ObjectMetaBuilder()
        .withName(rc.getMetadata().getName()).withNamespace(rc.getMetadata().getNamespace()).build());
    patch.setStatus(next);
    RegistryCredential applied = context.getClient().resource(patch).subresource("status").patch(
        new PatchContext.Builder()
            .withForce(true)
            .withFieldManager(context.getControllerConfiguration().fieldManager())
            .withPatchType(PatchType.SERVER_SIDE_APPLY)
            .build());
    context.eventSourceRetriever().getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(rc), applied, rc);
    return UpdateControl.noUpdate();
  };

  /** For fabric8's CRUD mock only (no server-side apply there): JOSDK patches the status as a JSON diff. */
  StatusWriter JSON_DIFF_FOR_CRUD_MOCK = (rc, next, context) -> {
    RegistryCredential patch = new RegistryCredential();
    patch.setMetadata(rc.getMetadata());
    patch.setSpec(rc.getSpec());
    patch.setStatus(next);
    return UpdateControl.patchStatus(patch);
  };
}
