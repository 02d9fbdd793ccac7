package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.reconciler.SecretWriteRule.Conflict;
import io.pullsecrets.operator.reconciler.SecretWriteRule.Create;
import io.pullsecrets.operator.reconciler.SecretWriteRule.Decision;
import io.pullsecrets.operator.reconciler.SecretWriteRule.Replace;
import io.pullsecrets.operator.reconciler.SecretWriteRule.Update;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out {@link SecretWriteRule}'s decisions against the API server, and owns the one
 * re-read: when an answer shows that what a decision was made from was out of date
 * ({@link SecretWriteRule#staleAnswer}), it reads the Secret once and decides once more; an error
 * of that second write is the result.
 */
final class SecretWriter {
  private static final Logger LOG = LoggerFactory.getLogger(SecretWriter.class);

  /** What one Secret write did: the number of writes, or why the Secret is not ours (then nothing was written). */
  record Written(int writes, String conflict) {}

  private final KubernetesClient client;
  private final EventRecorder events;

  /** With {@code events} (may be null): adoptions and replacements of Secrets are reported as Events. */
  SecretWriter(KubernetesClient client, EventRecorder events) {
    this.client = client;
    this.events = events;
  }

  /** Makes {@code ns/name} hold {@code encoded} for {@code rc}, deciding from {@code known} (null: absent). */
  Written write(CredentialResource<?> rc, String ns, String name, String encoded, Secret known) {
    try {
      return apply(SecretWriteRule.decide(known, rc, name, encoded), rc, ns, name, encoded, known);
    } catch (KubernetesClientException e) {
      if (!SecretWriteRule.staleAnswer(known == null, e.getCode())) {
        throw e;
      }
      LOG.debug("Secret {}/{} changed since it was read (HTTP {}); deciding again on a fresh read", ns, name, e.getCode());
      Secret fresh = read(ns, name);
      return apply(SecretWriteRule.decide(fresh, rc, name, encoded), rc, ns, name, encoded, fresh);
    }
  }

  /** Reads a Secret whole (null when absent). */
  Secret read(String ns, String name) {
    return client.secrets().inNamespace(ns).withName(name).get();
  }

  private Written apply(Decision decision, CredentialResource<?> rc, String ns, String name, String encoded, Secret known) {
    if (decision instanceof Create) {
      return create(rc, ns, name, encoded);
    }
    if (decision instanceof Conflict c) {
      return new Written(0, c.message());
    }
    if (decision instanceof Replace) {
      return replace(rc, ns, name, encoded, known);
    }
    if (decision instanceof Update u) {
      return update(rc, ns, name, encoded, known, u.adopt());
    }
    return new Written(0, null); // Leave
  }

  private Written create(CredentialResource<?> rc, String ns, String name, String encoded) {
    client.secrets().inNamespace(ns).resource(SecretWriteRule.desired(rc, ns, name, encoded, null)).create();
    LOG.info("created Secret {}/{}", ns, name);
    return new Written(1, null);
  }

  /** An update guarded by the resourceVersion of {@code known}. */
  private Written update(CredentialResource<?> rc, String ns, String name, String encoded, Secret known, boolean adopt) {
    client.secrets().inNamespace(ns).resource(SecretWriteRule.desired(rc, ns, name, encoded, known)).update();
    LOG.info("updated Secret {}/{}", ns, name);
    if (adopt && events != null) {
      events.normal(rc, Reasons.ADOPTED, "Secret '" + name + "' in namespace '" + ns + "' named this RegistryCredential as its owner"
          + " but not its uid (restored from a backup?); it is managed again");
    }
    return new Written(1, null);
  }

  /**
   * An immutable Secret cannot take new data: deletes exactly the version found to be ours (a
   * resourceVersion precondition, so a Secret created or changed meanwhile is never deleted) and
   * creates it again, mutable, keeping its other labels and annotations.
   */
  private Written replace(CredentialResource<?> rc, String ns, String name, String encoded, Secret existing) {
    client.secrets().inNamespace(ns).resource(existing)
        .lockResourceVersion(existing.getMetadata().getResourceVersion()).delete();
    client.secrets().inNamespace(ns).resource(SecretWriteRule.replacement(rc, ns, name, encoded, existing)).create();
    LOG.info("replaced immutable Secret {}/{} (deleted and created again)", ns, name);
    if (events != null) {
      events.warning(rc, Reasons.IMMUTABLE_SECRET_REPLACED, "Secret '" + name + "' in namespace '" + ns
          + "' was immutable and could not take the new credential; it was deleted and created again (not immutable)");
    }
    return new Written(2, null);
  }
}
