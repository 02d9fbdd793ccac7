package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.pullsecrets.operator.Labels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * {@link #ofCredential}: each credential's entries form a list linked through the entries
 * themselves (two references each, where a set would cost a map node per entry).
 */
final class ManagedSecretStore implements ItemStore<Secret> {
  private final Map<String, Entry> byKey = new ConcurrentHashMap<>();
  /** The first entry of each credential's list; the lists change and are read under this store's lock. */
  private final Map<String, Entry> byCredential = new HashMap<>();
  private final Interner<Shape> shapes = new Interner<>();

  /** What the Secrets of one credential share. */
  private record Shape(String apiVersion, String kind, String type, Boolean immutable, Map<String, String> labels,
      Map<String, String> annotations, List<String> finalizers, List<OwnerReference> ownerReferences, String digest) {
    String credentialUid() {
      return labels.get(Labels.CREDENTIAL_UID);
    }
  }

  /** Stands for a missing uid in {@link Entry#uidText} (compared by identity). */
  private static final String NO_UID = new String("");

  /** One cached Secret. */
  private static final class Entry {
    final String key;
    /** The uid as a UUID's two halves when {@link #uidText} is null; otherwise the uid is that text ({@link #NO_UID}: none). */
    final long uidHigh;
    final long uidLow;
    final String uidText;
    /** The resourceVersion as a number, or {@link #versionText} when it is not a canonical decimal. */
    final long version;
    final String versionText;
    final String deletionTimestamp;
    final Shape shape;
    /** The neighbours in its credential's list. */
    Entry previous;
    Entry next;

    Entry(String key, String uid, String resourceVersion, String deletionTimestamp, Shape shape) {
      this.key = key;
      UUID packed = uuid(uid);
      this.uidHigh = packed == null ? 0 : packed.getMostSignificantBits();
      this.uidLow = packed == null ? 0 : packed.getLeastSignificantBits();
      this.uidText = packed != null ? null : uid == null ? NO_UID : uid;
      long number = decimal(resourceVersion);
      this.version = number;
      this.versionText = number < 0 ? resourceVersion : null;
      this.deletionTimestamp = deletionTimestamp;
      this.shape = shape;
    }

    String uid() {
      return uidText == null ? new UUID(uidHigh, uidLow).toString() : uidText == NO_UID ? null : uidText;
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
    Entry old;
    synchronized (this) {
      old = byKey.put(key, entry);
      unlink(old);
      link(entry);
    }
    return old == null ? null : old.toSecret();
  }

  @Override
  public Secret remove(String key) {
    Entry old;
    synchronized (this) {
      old = byKey.remove(key);
      unlink(old);
    }
    return old == null ? null : old.toSecret();
  }

  private void link(Entry e) {
    String uid = e.shape.credentialUid();
    if (uid != null) {
      Entry first = byCredential.put(uid, e);
      e.next = first;
      if (first != null) {
        first.previous = e;
      }
    }
  }

  private void unlink(Entry e) {
    String uid = e == null ? null : e.shape.credentialUid();
    if (uid == null) {
      return;
    }
    if (e.previous != null) {
      e.previous.next = e.next;
    } else if (e.next != null) {
      byCredential.put(uid, e.next);
    } else {
      byCredential.remove(uid);
    }
    if (e.next != null) {
      e.next.previous = e.previous;
    }
    e.previous = null;
    e.next = null;
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
    List<Entry> entries = new ArrayList<>();
    synchronized (this) {
      for (Entry e = byCredential.get(credentialUid); e != null; e = e.next) {
        entries.add(e);
      }
    }
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
