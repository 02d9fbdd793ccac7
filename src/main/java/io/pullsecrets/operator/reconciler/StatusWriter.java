package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredentialStatus;
import java.util.function.Supplier;

/**
 * Writes a credential's status (either kind). On a real API server: server-side apply of the name
 * and the status only, put into JOSDK's cache. fabric8's CRUD mock has no server-side apply; there,
 * and only there, JOSDK writes the status as a JSON diff.
 */
final class StatusWriter {
  private final boolean serverSideApply;

  private StatusWriter(boolean serverSideApply) {
    this.serverSideApply = serverSideApply;
  }

  /** The writer JOSDK's configuration asks for. */
  static StatusWriter of(boolean serverSideApply) {
    return new StatusWriter(serverSideApply);
  }

  /**
   * The control that ends a reconcile: {@code next} written only when it differs from {@code old};
   * {@code empty} makes an object of the credential's kind for the patch.
   */
  <R extends CredentialResource<?>> UpdateControl<R> update(R rc, RegistryCredentialStatus old, RegistryCredentialStatus next,
      Context<R> context, Supplier<R> empty) {
    if (Serialization.asJson(old).equals(Serialization.asJson(next))) {
      return UpdateControl.noUpdate();
    }
    return serverSideApply ? apply(rc, next, context, empty) : jsonDiffForCrudMock(rc, next, empty);
  }

  /**
   * Server-side apply of name and status only (a resourceVersion would turn the apply into an
   * optimistic-lock write that fails with 409 whenever the cache lags), and the result put in
   * JOSDK's cache: the next reconcile starts from this status even when its event comes before the
   * informer has seen the write, so it neither repeats an event nor undoes a transition.
   */
  private static <R extends CredentialResource<?>> UpdateControl<R> apply(R rc, RegistryCredentialStatus next, Context<R> context,
      Supplier<R> empty) {
    R patch = empty.get();
    patch.setMetadata(new ObjectMetaBuilder()
        .withName(rc.getMetadata().getName()).withNamespace(rc.getMetadata().getNamespace()).build());
    patch.setStatus(next);
    R applied = context.getClient().resource(patch).subresource("status").patch(
        new PatchContext.Builder()
            .withForce(true)
            .withFieldManager(context.getControllerConfiguration().fieldManager())
            .withPatchType(PatchType.SERVER_SIDE_APPLY)
            .build());
    context.eventSourceRetriever().getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(rc), applied, rc);
    return UpdateControl.noUpdate();
  }

  /** For fabric8's CRUD mock only (no server-side apply there): JOSDK patches the status as a JSON diff. */
  private static <R extends CredentialResource<?>> UpdateControl<R> jsonDiffForCrudMock(R rc, RegistryCredentialStatus next,
      Supplier<R> empty) {
    R patch = empty.get();
    patch.setMetadata(rc.getMetadata());
    copySpec(rc, patch);
    patch.setStatus(next);
    return UpdateControl.patchStatus(patch);
  }

  /** Both are of the same kind, so of the same spec class. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void copySpec(CredentialResource<?> from, CredentialResource<?> to) {
    ((CredentialResource) to).setSpec(from.getSpec());
  }
}
