package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The managed-Secret cache keeps metadata and a digest of the data, never the data: anyone may
 * label their own Secrets as managed by the operator, and the cache must not grow with the size
 * of Secrets the operator did not write. A slimmed Secret's {@code data} holds one entry,
 * {@link #DIGEST_KEY} (a name no real Secret can have: data keys cannot contain '/').
 */
public final class SecretDigests {
  /** The only data key of a cached (slimmed) Secret: SHA-256 of its data and stringData. */
  public static final String DIGEST_KEY = "pullsecrets.io/data-sha256";

  private SecretDigests() {}

  /**
   * A copy of {@code s} for the cache: apiVersion, kind, type, immutable, the metadata of {@link
   * CacheTransforms#meta} (every label and annotation; no managedFields, creationTimestamp or
   * generation) and, as its only data, the digest of the data. Repeated strings are interned: the
   * digest too, which is the same in every namespace a credential writes to.
   */
  public static Secret slim(Secret s) {
    if (isSlim(s)) {
      return s;
    }
    Secret out = new Secret();
    out.setAdditionalProperties(Map.of());
    out.setApiVersion(CacheTransforms.intern(s.getApiVersion()));
    out.setKind(CacheTransforms.intern(s.getKind()));
    out.setMetadata(CacheTransforms.meta(s.getMetadata()));
    out.setType(CacheTransforms.intern(s.getType()));
    out.setImmutable(s.getImmutable());
    out.setData(Map.of(DIGEST_KEY, CacheTransforms.intern(digest(s.getData(), s.getStringData()))));
    out.setStringData(null);
    return out;
  }

  public static boolean isSlim(Secret s) {
    return s.getData() != null && s.getData().size() == 1 && s.getData().containsKey(DIGEST_KEY);
  }

  /** Whether {@code s} (slimmed or whole) holds exactly {@code data} and no stringData. */
  public static boolean holdsExactly(Secret s, Map<String, String> data) {
    if (isSlim(s)) {
      return digest(data, null).equals(s.getData().get(DIGEST_KEY));
    }
    return data.equals(s.getData() == null ? Map.of() : s.getData())
        && (s.getStringData() == null || s.getStringData().isEmpty());
  }

  static String digest(Map<String, String> data, Map<String, String> stringData) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      update(sha, "data", data);
      update(sha, "stringData", stringData);
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void update(MessageDigest sha, String field, Map<String, String> map) {
    if (map == null || map.isEmpty()) {
      return;
    }
    new TreeMap<>(map).forEach((k, v) -> {
      byte[] entry = (field + "\u0000" + k + "\u0000" + (v == null ? "" : v) + "\u0000").getBytes(StandardCharsets.UTF_8);
      sha.update(entry);
    });
  }
}
