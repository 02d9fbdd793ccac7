package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.pullsecrets.operator.Labels;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The managed-Secret cache holds one small entry per Secret; what readers get back must be
 * exactly what the slim copy was (every decision reads it), whatever the uid and resourceVersion
 * look like.
 */
class ManagedSecretStoreTest {
  private static final String CREDENTIAL_UID = "0b8e6c59-9f0c-4a43-9c2f-3f1d4c1b2a10";

  private final ManagedSecretStore store = new ManagedSecretStore();

  private static Secret secret(String ns, String name, String uid, String resourceVersion, String data) {
    return new SecretBuilder().withNewMetadata().withNamespace(ns).withName(name).withUid(uid).withResourceVersion(resourceVersion)
        .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.CREDENTIAL_UID, CREDENTIAL_UID))
        .withAnnotations(Map.of(Labels.OWNER_ANNOTATION, "platform/ecr")).endMetadata()
        .withType("kubernetes.io/dockerconfigjson").withData(Map.of(".dockerconfigjson", data)).build();
  }

  private Secret put(Secret s) {
    return store.put(store.getKey(s), s);
  }

  @Test
  void aReaderGetsWhatTheSlimCopyWasWhateverTheUidAndVersionLookLike() {
    for (String[] row : new String[][] {
        {UUID.randomUUID().toString(), "123456789"},
        {"NOT-A-UUID", "0"},
        {UUID.randomUUID().toString().toUpperCase(), "007"},
        {"", "12345678901234567890123"},
        {null, null},
        {UUID.randomUUID().toString(), "-5"},
        {UUID.randomUUID().toString(), "1.5"}}) {
      Secret whole = secret("team-a", "regcred", row[0], row[1], "e30=");
      Secret expected = SecretDigests.slim(secret("team-a", "regcred", row[0], row[1], "e30="));

      put(whole);

      assertThat(store.get("team-a/regcred")).as("uid %s, resourceVersion %s", row[0], row[1]).isEqualTo(expected);
      assertThat(store.values()).containsExactly(expected);
    }
  }

  @Test
  void anUpdateReturnsTheFormerSecretAndARemoveTheLast() {
    assertThat(put(secret("team-a", "regcred", CREDENTIAL_UID, "1", "e30="))).isNull();

    Secret before = put(secret("team-a", "regcred", CREDENTIAL_UID, "2", "eyJhIjoxfQ=="));

    assertThat(before.getMetadata().getResourceVersion()).isEqualTo("1");
    assertThat(SecretDigests.holdsExactly(before, Map.of(".dockerconfigjson", "e30="))).isTrue();
    Secret removed = store.remove("team-a/regcred");
    assertThat(removed.getMetadata().getResourceVersion()).isEqualTo("2");
    assertThat(SecretDigests.holdsExactly(removed, Map.of(".dockerconfigjson", "eyJhIjoxfQ=="))).isTrue();
    assertThat(store.get("team-a/regcred")).isNull();
    assertThat(store.size()).isZero();
    assertThat(store.ofCredential(CREDENTIAL_UID)).isEmpty();
  }

  @Test
  void theSecretsOfOneCredentialShareOneShapeAndAreFoundByItsUid() {
    for (int i = 0; i < 100; i++) {
      put(secret("team-" + i, "regcred", UUID.randomUUID().toString(), String.valueOf(1000 + i), "e30="));
    }
    put(secret("other", "someone-elses", UUID.randomUUID().toString(), "5", "e30=")
        .edit().editMetadata().addToLabels(Labels.CREDENTIAL_UID, "another-uid").endMetadata().build());

    assertThat(store.shapes()).isEqualTo(2);
    assertThat(store.ofCredential(CREDENTIAL_UID)).hasSize(100)
        .allSatisfy(s -> assertThat(s.getMetadata().getName()).isEqualTo("regcred"));
    assertThat(store.ofCredential("another-uid")).extracting(s -> s.getMetadata().getNamespace()).containsExactly("other");
    assertThat(store.keySet()).hasSize(101).contains("team-7/regcred", "other/someone-elses");
  }

  @Test
  void aCredentialsSecretsStayFoundAsTheyAreRemovedOrRelabelled() {
    for (int i = 0; i < 5; i++) {
      put(secret("team-" + i, "regcred", UUID.randomUUID().toString(), "1", "e30="));
    }
    store.remove("team-0/regcred");
    store.remove("team-2/regcred");
    store.remove("team-4/regcred");
    assertThat(store.ofCredential(CREDENTIAL_UID)).extracting(s -> s.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-1", "team-3");

    put(secret("team-3", "regcred", UUID.randomUUID().toString(), "2", "e30=")
        .edit().editMetadata().addToLabels(Labels.CREDENTIAL_UID, "another-uid").endMetadata().build());
    put(secret("team-1", "regcred", UUID.randomUUID().toString(), "2", "eyJhIjoxfQ=="));

    assertThat(store.ofCredential(CREDENTIAL_UID)).singleElement()
        .satisfies(s -> assertThat(s.getMetadata().getNamespace()).isEqualTo("team-1"))
        .satisfies(s -> assertThat(SecretDigests.holdsExactly(s, Map.of(".dockerconfigjson", "eyJhIjoxfQ=="))).isTrue());
    assertThat(store.ofCredential("another-uid")).extracting(s -> s.getMetadata().getNamespace()).containsExactly("team-3");
    store.remove("team-1/regcred");
    store.remove("team-3/regcred");
    assertThat(store.ofCredential(CREDENTIAL_UID)).isEmpty();
    assertThat(store.ofCredential("another-uid")).isEmpty();
    assertThat(store.size()).isZero();
  }

  @Test
  void theKeyOfACachedSecretIsTheStringItsEntryHolds() {
    Secret s = secret("team-a", "regcred", CREDENTIAL_UID, "1", "e30=");
    String key = store.getKey(s);
    store.put(key, s);

    String again = store.getKey(secret("team-a", "regcred", CREDENTIAL_UID, "2", "e30="));

    assertThat(again).isSameAs(key).isEqualTo("team-a/regcred");
    assertThat(store.keySet()).singleElement().isSameAs(key);
  }

  @Test
  void theInformersOwnObjectIsSlimmedToo() {
    Secret whole = secret("team-a", "regcred", CREDENTIAL_UID, "1", "c2VjcmV0");

    put(whole);

    assertThat(whole.getData()).containsOnlyKeys(SecretDigests.DIGEST_KEY);
    assertThat(whole).isEqualTo(store.get("team-a/regcred"));
  }
}
