package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The one rule for writing a replicated Secret, as pure functions: what to do with the Secret as
 * known (from the cache or a fresh read), and whether an error answer shows that what was known
 * was out of date. {@link SecretWriter} carries the decisions out; nothing here talks to a server.
 *
 * <p>The rule, in order: absent, create it; held by someone else, leave it and report a conflict;
 * ours (or adoptable) and up to date, leave it; ours and immutable with other data, replace it
 * (delete that exact version, create again); ours and out of date, update it guarded by the
 * resourceVersion read.
 */
public final class SecretWriteRule {
  public static final String SECRET_TYPE = "kubernetes.io/dockerconfigjson";
  public static final String DATA_KEY = ".dockerconfigjson";

  private SecretWriteRule() {}

  /** What to do with one Secret. */
  public sealed interface Decision permits Create, Update, Replace, Leave, Conflict {}

  /** The Secret is absent: create it. */
  public record Create() implements Decision {}

  /**
   * The Secret is ours and out of date: update it.
   *
   * @param adopt it named this credential as its owner but not its uid (taken over: an Event says so)
   */
  public record Update(boolean adopt) implements Decision {}

  /** The Secret is ours, immutable, and holds other data: delete exactly that version and create it again. */
  public record Replace() implements Decision {}

  /** The Secret is ours and up to date: nothing to write. */
  public record Leave() implements Decision {}

  /** The Secret is someone else's: never written, never deleted; {@code message} says whose. */
  public record Conflict(String message) implements Decision {}

  /** Who a Secret of the wanted name belongs to, as far as this RegistryCredential is concerned. */
  public enum Claim {
    /** Labelled with this credential's uid. */
    OURS,
    /**
     * Labelled managed-by us and annotated with this credential's namespace/name, but without its
     * uid (a backup restore, a finalizer removed by hand, a uid label deleted by hand): taken over.
     */
    ADOPTABLE,
    /** Anything else: never written, never deleted. */
    FOREIGN
  }

  /**
   * The decision for {@code known} (null: absent) when the Secret {@code name} should hold
   * {@code encoded} (the base64 of the rendered {@code .dockerconfigjson}) for {@code rc}.
   */
  public static Decision decide(Secret known, CredentialResource<?> rc, String name, String encoded) {
    if (known == null) {
      return new Create();
    }
    Claim claim = claim(known, rc);
    if (claim == Claim.FOREIGN) {
      return new Conflict(foreignMessage(name, known));
    }
    if (upToDate(known, rc, encoded)) {
      return new Leave();
    }
    if (Boolean.TRUE.equals(known.getImmutable()) && !SecretDigests.holdsExactly(known, Map.of(DATA_KEY, encoded))) {
      return new Replace();
    }
    return new Update(claim == Claim.ADOPTABLE);
  }

  /**
   * Whether the HTTP {@code code} of a failed write shows that what it was decided from was out of
   * date, so that the Secret is read once and decided once more: 409 on a create (it exists);
   * 404 (it is gone), 409 (it changed) or 422 (it was made immutable) on any other write.
   */
  public static boolean staleAnswer(boolean decidedOnAbsent, int code) {
    return decidedOnAbsent ? code == 409 : STALE_ON_EXISTING.contains(code);
  }

  private static final Set<Integer> STALE_ON_EXISTING = Set.of(404, 409, 422);

  public static Claim claim(Secret s, CredentialResource<?> rc) {
    Map<String, String> labels = labels(s);
    if (rc.getMetadata().getUid().equals(labels.get(Labels.CREDENTIAL_UID))) {
      return Claim.OURS;
    }
    if (Labels.MANAGED_BY_VALUE.equals(labels.get(Labels.MANAGED_BY))
        && owner(rc).equals(annotations(s).get(Labels.OWNER_ANNOTATION))) {
      return Claim.ADOPTABLE;
    }
    return Claim.FOREIGN;
  }

  /** Whether {@code s} (cached, with a digest, or read whole) is of our type, holds exactly {@code encoded} and carries our labels and owner. */
  public static boolean upToDate(Secret s, CredentialResource<?> rc, String encoded) {
    return SECRET_TYPE.equals(s.getType())
        && SecretDigests.holdsExactly(s, Map.of(DATA_KEY, encoded))
        && ownLabels(rc).entrySet().stream().allMatch(e -> e.getValue().equals(labels(s).get(e.getKey())))
        && owner(rc).equals(annotations(s).get(Labels.OWNER_ANNOTATION));
  }

  /**
   * The Secret to write: {@code existing}'s metadata (null: a new object) with our labels and
   * owner annotation added, our type, and exactly our data; an existing Secret's immutability is
   * kept (a replacement is created from null, so mutable).
   */
  public static Secret desired(CredentialResource<?> rc, String ns, String name, String encoded, Secret existing) {
    ObjectMeta meta = existing == null
        ? new ObjectMetaBuilder().withName(name).withNamespace(ns).build()
        : new ObjectMetaBuilder(existing.getMetadata()).build();
    Map<String, String> labels = new LinkedHashMap<>(meta.getLabels() == null ? Map.of() : meta.getLabels());
    labels.putAll(ownLabels(rc));
    meta.setLabels(labels);
    Map<String, String> annotations = new LinkedHashMap<>(meta.getAnnotations() == null ? Map.of() : meta.getAnnotations());
    annotations.put(Labels.OWNER_ANNOTATION, owner(rc));
    meta.setAnnotations(annotations);
    return new SecretBuilder()
        .withMetadata(meta)
        .withType(SECRET_TYPE)
        .withImmutable(existing == null ? null : existing.getImmutable())
        .withData(new HashMap<>(Map.of(DATA_KEY, encoded)))
        .build();
  }

  /**
   * What replaces an immutable Secret: {@link #desired} as a new object, keeping the other labels
   * and annotations of the one it replaces.
   */
  public static Secret replacement(CredentialResource<?> rc, String ns, String name, String encoded, Secret existing) {
    Secret fresh = desired(rc, ns, name, encoded, null);
    Map<String, String> labels = new LinkedHashMap<>(labels(existing));
    labels.putAll(fresh.getMetadata().getLabels());
    fresh.getMetadata().setLabels(labels);
    Map<String, String> annotations = new LinkedHashMap<>(annotations(existing));
    annotations.putAll(fresh.getMetadata().getAnnotations());
    fresh.getMetadata().setAnnotations(annotations);
    return fresh;
  }

  /** Why a Secret is not ours; the other object's annotation is validated or quoted bounded ({@link ForeignText}). */
  static String foreignMessage(String name, Secret live) {
    if (Labels.MANAGED_BY_VALUE.equals(labels(live).get(Labels.MANAGED_BY))) {
      String owner = annotations(live).get(Labels.OWNER_ANNOTATION);
      return "Secret '" + name + "' is managed by " + (owner == null
          ? "another RegistryCredential (another uid, no owner annotation)"
          : ForeignText.owner(owner));
    }
    return "Secret '" + name + "' exists and is not managed by pullsecret-operator; it is left alone";
  }

  private static Map<String, String> ownLabels(CredentialResource<?> rc) {
    return Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.CREDENTIAL_UID, rc.getMetadata().getUid());
  }

  /** What the owner annotation says: {@link CredentialResource#ownerKey}. */
  static String owner(CredentialResource<?> rc) {
    return rc.ownerKey();
  }

  private static Map<String, String> labels(Secret s) {
    return Objects.requireNonNullElse(s.getMetadata().getLabels(), Map.of());
  }

  private static Map<String, String> annotations(Secret s) {
    return Objects.requireNonNullElse(s.getMetadata().getAnnotations(), Map.of());
  }
}
