package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.pullsecrets.operator.Labels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the informer caches keep of each object: the fields a decision reads, in compact immutable
 * containers, with repeated strings (namespace and object names, label and annotation keys and
 * values, apiVersion, kind) interned, so that 5,000 namespaces times 20 credentials cost a fixed,
 * small amount per object. Cached objects are read-only (the caches hand out the same instance to
 * every reader); code that builds a write copies what it needs first.
 *
 * <p>What each kind keeps:
 * <ul>
 *   <li>a Namespace: name, uid, resourceVersion, labels, deletionTimestamp and status.phase (what
 *   target selection and the webhook read); annotations and managedFields are dropped;
 *   <li>a ServiceAccount: name, namespace, uid, resourceVersion, labels, deletionTimestamp, the
 *   token opt-in annotation ({@link Labels#ALLOWED_CREDENTIALS_ANNOTATION}) and imagePullSecrets
 *   (what the patches, the filters and the selectors read); other annotations (often a
 *   kubectl last-applied copy), secrets and managedFields are dropped;
 *   <li>a managed Secret: see {@link SecretDigests#slim}; its metadata goes through {@link #meta}
 *   keeping every label and annotation (a rewrite carries them over). {@link ManagedSecretStore}
 *   holds that slim copy as one small entry, not as the object.
 * </ul>
 */
final class CacheTransforms {
  private CacheTransforms() {}

  /*
   * The item stores' transforms. Each also makes the informer's own object share the cached copy's
   * parts: the informer hands that object to its listeners through a queue, and while a list of
   * 100,000 managed Secrets is read the queue holds most of them at once; whole (data,
   * managedFields, maps of their own) they outgrew the heap of a 512Mi pod (about 400 MiB live
   * during the startup list, 120 MiB once the events were handled). Listeners read of an event's
   * object only what the cache keeps.
   */

  static Namespace cacheNamespace(Namespace ns) {
    Namespace out = namespace(ns);
    ns.setMetadata(out.getMetadata());
    ns.setStatus(out.getStatus());
    ns.setSpec(null);
    return out;
  }

  static ServiceAccount cacheServiceAccount(ServiceAccount sa) {
    ServiceAccount out = serviceAccount(sa);
    sa.setMetadata(out.getMetadata());
    sa.setSecrets(out.getSecrets());
    sa.setImagePullSecrets(out.getImagePullSecrets());
    return out;
  }

  static io.fabric8.kubernetes.api.model.Secret cacheSecret(io.fabric8.kubernetes.api.model.Secret s) {
    io.fabric8.kubernetes.api.model.Secret out = SecretDigests.slim(s);
    s.setMetadata(out.getMetadata());
    s.setData(out.getData());
    s.setStringData(null);
    return out;
  }

  static Namespace namespace(Namespace ns) {
    ObjectMeta m = ns.getMetadata();
    Namespace out = new Namespace();
    out.setAdditionalProperties(Map.of());
    out.setApiVersion(intern(ns.getApiVersion()));
    out.setKind(intern(ns.getKind()));
    ObjectMeta meta = emptyMeta();
    if (m != null) {
      meta.setName(intern(m.getName()));
      meta.setUid(m.getUid());
      meta.setResourceVersion(m.getResourceVersion());
      meta.setDeletionTimestamp(m.getDeletionTimestamp());
      meta.setLabels(strings(m.getLabels()));
    }
    out.setMetadata(meta);
    if (ns.getStatus() != null && ns.getStatus().getPhase() != null) {
      NamespaceStatus status = new NamespaceStatus();
      status.setAdditionalProperties(Map.of());
      status.setConditions(List.of());
      status.setPhase(intern(ns.getStatus().getPhase()));
      out.setStatus(status);
    }
    return out;
  }

  static ServiceAccount serviceAccount(ServiceAccount sa) {
    ObjectMeta m = sa.getMetadata();
    ServiceAccount out = new ServiceAccount();
    out.setAdditionalProperties(Map.of());
    out.setApiVersion(intern(sa.getApiVersion()));
    out.setKind(intern(sa.getKind()));
    ObjectMeta meta = emptyMeta();
    if (m != null) {
      meta.setName(intern(m.getName()));
      meta.setNamespace(intern(m.getNamespace()));
      meta.setUid(m.getUid());
      meta.setResourceVersion(m.getResourceVersion());
      meta.setDeletionTimestamp(m.getDeletionTimestamp());
      meta.setLabels(strings(m.getLabels()));
      String optIn = m.getAnnotations() == null ? null : m.getAnnotations().get(Labels.ALLOWED_CREDENTIALS_ANNOTATION);
      meta.setAnnotations(optIn == null ? Map.of() : Map.of(Labels.ALLOWED_CREDENTIALS_ANNOTATION, intern(optIn)));
    }
    out.setMetadata(meta);
    out.setSecrets(List.of());
    out.setAutomountServiceAccountToken(sa.getAutomountServiceAccountToken());
    out.setImagePullSecrets(references(sa.getImagePullSecrets()));
    return out;
  }

  /**
   * The metadata a managed Secret keeps: name, namespace, uid, resourceVersion, every label and
   * annotation, deletionTimestamp, finalizers and ownerReferences; creationTimestamp, generation
   * and managedFields are dropped.
   */
  static ObjectMeta meta(ObjectMeta m) {
    ObjectMeta meta = emptyMeta();
    if (m == null) {
      return meta;
    }
    meta.setName(intern(m.getName()));
    meta.setNamespace(intern(m.getNamespace()));
    meta.setUid(m.getUid());
    meta.setResourceVersion(m.getResourceVersion());
    meta.setDeletionTimestamp(m.getDeletionTimestamp());
    meta.setLabels(strings(m.getLabels()));
    meta.setAnnotations(strings(m.getAnnotations()));
    meta.setFinalizers(m.getFinalizers() == null ? List.of() : m.getFinalizers().stream().map(CacheTransforms::intern).toList());
    meta.setOwnerReferences(m.getOwnerReferences() == null ? List.of() : List.<OwnerReference>copyOf(m.getOwnerReferences()));
    return meta;
  }

  /** ObjectMeta with shared empty containers in place of the five a new one allocates. */
  private static ObjectMeta emptyMeta() {
    ObjectMeta meta = new ObjectMeta();
    meta.setAdditionalProperties(Map.of());
    meta.setLabels(Map.of());
    meta.setAnnotations(Map.of());
    meta.setFinalizers(List.of());
    meta.setOwnerReferences(List.of());
    meta.setManagedFields(List.of());
    return meta;
  }

  /** An immutable copy with interned keys and values (null values, which the API never sends, are dropped). */
  static Map<String, String> strings(Map<String, String> in) {
    if (in == null || in.isEmpty()) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>(in.size() * 2);
    in.forEach((k, v) -> {
      if (k != null && v != null) {
        out.put(intern(k), intern(v));
      }
    });
    return Map.copyOf(out);
  }

  /**
   * The ServiceAccounts of namespaces the same credentials target reference the same pull secrets:
   * one shared, immutable list for each distinct list.
   */
  private static final Interner<List<LocalObjectReference>> REFERENCE_LISTS = new Interner<>();

  private static List<LocalObjectReference> references(List<LocalObjectReference> in) {
    if (in == null) {
      return null;
    }
    List<LocalObjectReference> out = new ArrayList<>(in.size());
    for (LocalObjectReference r : in) {
      LocalObjectReference copy = new LocalObjectReference(r == null ? null : intern(r.getName()));
      copy.setAdditionalProperties(Map.of());
      out.add(copy);
    }
    return REFERENCE_LISTS.intern(java.util.Collections.unmodifiableList(out));
  }

  static String intern(String s) {
    return s == null ? null : s.intern();
  }
}
