package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.pullsecrets.operator.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The managed-Secret informer's item store: at 5,000 namespaces times 20 credentials it holds
 * 100,000 Secrets, so each costs one small {@link Entry} instead of a fabric8 object graph.
 *
 * <p>An entry keeps what is the Secret's own: its key ({@code namespace/name}, the same string
 * the informer's namespace index holds), its uid and resourceVersion (as two longs and a long when
 * they are a UUID and a decimal number, as the API server makes them) and its deletionTimestamp.
 * Everything else a decision reads (apiVersion, kind, type, immutable, labels, annotations,
 * finalizers, ownerReferences and the digest of the data, see {@link SecretDigests}) is the same
 * in every namespace a credential writes to, and is one shared, interned {@link Shape}.
 *
 * <p>Readers get a new Secret in the slim form of {@link SecretDigests#slim} built from the entry
 * on each read: equal to what a {@code TransformingItemStore} with that transform held, and
 * theirs to keep. The store also indexes the entries by the credential uid label, for
 * {@link #ofCredential}.
 */
final class ManagedSecretStore implements ItemStore<Secret> {
  private final Map<String, Entry> byKey = new ConcurrentHashMap<>();
  private final Map<String, Set<Entry>> byCredential = new ConcurrentHashMap<>();
  private final Interner<Shape> shapes = new Interner<>();

  /** What the Secrets of one credential share. */
  private record Shape(String apiVersion, String kind, String type, Boolean immutable, Map<String, String> labels,
      Map<String, String> annotations, List<String> finalizers, List<OwnerReference> ownerReferences, String digest) {
    String credentialUid() {
      return labels.get(Labels.CREDENTIAL_UID);
    }
  }

  /** One cached Secret (identity equality: the index holds entries). */
  private static final class Entry {
    final String key;
    /** The uid as a UUID's two halves, or {@link #uidText} when it is not a UUID in canonical form. */
    final boolean uidPacked;
    final long uidHigh;
    final long uidLow;
    final String uidText;
    /** The resourceVersion as a number, or {@link #versionText} when it is not a canonical decimal. */
    final long version;
    final String versionText;
    final String deletionTimestamp;
    final Shape shape;

    Entry(String key, String uid, String resourceVersion, String deletionTimestamp, Shape shape) {
      this.key = key;
      UUID packed = uuid(uid);
      this.uidPacked = packed != null;
      this.uidHigh = packed == null ? 0 : packed.getMostSignificantBits();
      this.uidLow = packed == null ? 0 : packed.getLeastSignificantBits();
      this.uidText = packed == null ? uid : null;
      long number = decimal(resourceVersion);
      this.version = number;
      this.versionText = number < 0 ? resourceVersion : null;
      this.deletionTimestamp = deletionTimestamp;
      this.shape = shape;
    }

    String uid() {
      return uidPacked ? new UUID(uidHigh, uidLow).toString() : uidText;
    }

    String resourceVersion() {
      return version >= 0 ? Long.toString(version) : versionText;
    }

    Secret toSecret() {
      int slash = key.indexOf('/');
      ObjectMeta meta = new ObjectMeta();
      meta.setAdditionalProperties(Map.of());
      meta.setNamespace(slash < 0 ? null : CacheTransforms.intern(key.substring(0, slash)));
      meta.setName(CacheTransforms.intern(key.substring(slash + 1)));
      meta.setUid(uid());
      meta.setResourceVersion(resourceVersion());
      meta.setDeletionTimestamp(deletionTimestamp);
      meta.setLabels(shape.labels());
      meta.setAnnotations(shape.annotations());
      meta.setFinalizers(shape.finalizers());
      meta.setOwnerReferences(shape.ownerReferences());
      meta.setManagedFields(List.of());
      Secret s = new Secret();
      s.setAdditionalProperties(Map.of());
      s.setApiVersion(shape.apiVersion());
      s.setKind(shape.kind());
      s.setMetadata(meta);
      s.setType(shape.type());
      s.setImmutable(shape.immutable());
      s.setData(Map.of(SecretDigests.DIGEST_KEY, shape.digest()));
      s.setStringData(null);
      return s;
    }
  }

  /** The key the informer uses; for a cached Secret, the very string its entry (and the index) holds. */
  @Override
  public String getKey(Secret s) {
    String key = Cache.metaNamespaceKeyFunc(s);
    Entry known = byKey.get(key);
    return known == null ? key : known.key;
  }

  /** Caches the slim form of {@code s}; {@code s} itself is slimmed too (see {@link CacheTransforms#cacheSecret}). */
  @Override
  public Secret put(String key, Secret s) {
    Secret slim = CacheTransforms.cacheSecret(s);
    ObjectMeta m = slim.getMetadata();
    Shape shape = shapes.intern(new Shape(slim.getApiVersion(), slim.getKind(), slim.getType(), slim.getImmutable(),
        m.getLabels(), m.getAnnotations(), m.getFinalizers(), m.getOwnerReferences(),
        slim.getData().get(SecretDigests.DIGEST_KEY)));
    Entry entry = new Entry(key, m.getUid(), m.getResourceVersion(), m.getDeletionTimestamp(), shape);
    Entry old = byKey.put(key, entry);
    unindex(old);
    String uid = shape.credentialUid();
    if (uid != null) {
      byCredential.computeIfAbsent(uid, k -> ConcurrentHashMap.newKeySet()).add(entry);
    }
    return old == null ? null : old.toSecret();
  }

  @Override
  public Secret remove(String key) {
    Entry old = byKey.remove(key);
    unindex(old);
    return old == null ? null : old.toSecret();
  }

  private void unindex(Entry old) {
    String uid = old == null ? null : old.shape.credentialUid();
    if (uid != null) {
      byCredential.computeIfPresent(uid, (k, entries) -> {
        entries.remove(old);
        return entries.isEmpty() ? null : entries;
      });
    }
  }

  @Override
  public Stream<String> keySet() {
    return byKey.keySet().stream();
  }

  @Override
  public Stream<Secret> values() {
    return byKey.values().stream().map(Entry::toSecret);
  }

  @Override
  public int size() {
    return byKey.size();
  }

  @Override
  public Secret get(String key) {
    Entry e = byKey.get(key);
    return e == null ? null : e.toSecret();
  }

  /** Initial adds are handed on as they are listed, not all at once when the list completes. */
  @Override
  public boolean isFullState() {
    return false;
  }

  /** The cached Secrets labelled with this credential uid. */
  List<Secret> ofCredential(String credentialUid) {
    Set<Entry> entries = byCredential.getOrDefault(credentialUid, Set.of());
    List<Secret> out = new ArrayList<>(entries.size());
    entries.forEach(e -> out.add(e.toSecret()));
    return out;
  }

  /** Distinct shapes in use (a credential's Secrets share one). */
  int shapes() {
    return shapes.size();
  }

  private static UUID uuid(String s) {
    if (s == null || s.length() != 36) {
      return null;
    }
    try {
      UUID u = UUID.fromString(s);
      return u.toString().equals(s) ? u : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The value of a canonical non-negative decimal (no sign, no leading zero), or -1. */
  private static long decimal(String s) {
    if (s == null || s.isEmpty() || s.length() > 18 || (s.length() > 1 && s.charAt(0) == '0')) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(s);
  }
}
