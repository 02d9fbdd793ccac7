package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.pullsecrets.operator.Labels;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.reconciler.SecretWriteRule.Conflict;
import io.pullsecrets.operator.reconciler.SecretWriteRule.Create;
import io.pullsecrets.operator.reconciler.SecretWriteRule.Decision;
import io.pullsecrets.operator.reconciler.SecretWriteRule.Leave;
import io.pullsecrets.operator.reconciler.SecretWriteRule.Replace;
import io.pullsecrets.operator.reconciler.SecretWriteRule.Update;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The write rule for a replicated Secret as a table, without a server: the Secret as known (from
 * the cache, with a digest, or read whole) in, the decision out; and which error answers make the
 * writer read once more. {@link SecretWriterRereadTest} proves the writer carries the re-read out.
 */
class SecretWriteRuleTest {
  static final String UID = "uid-1";
  static final String NAME = "regcred";
  static final String WANTED = "d2FudGVk"; // base64 of what should be there
  static final String OTHER = "b3RoZXI=";

  static RegistryCredential rc() {
    RegistryCredential rc = new RegistryCredential();
    rc.setMetadata(new ObjectMetaBuilder().withName("example").withNamespace("platform").withUid(UID).build());
    return rc;
  }

  /** A Secret as known: labels, owner annotation, type, immutability and data. */
  static Secret known(Map<String, String> labels, String owner, String type, Boolean immutable, String data) {
    Map<String, String> annotations = owner == null ? Map.of() : Map.of(Labels.OWNER_ANNOTATION, owner);
    return new SecretBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(NAME).withNamespace("team-a").withResourceVersion("7")
            .withLabels(new HashMap<>(labels)).withAnnotations(new HashMap<>(annotations)).build())
        .withType(type).withImmutable(immutable)
        .withData(new HashMap<>(Map.of(SecretWriteRule.DATA_KEY, data)))
        .build();
  }

  static final Map<String, String> OURS = Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.CREDENTIAL_UID, UID);
  static final Map<String, String> MANAGED_NO_UID = Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
  static final Map<String, String> OTHER_UID = Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.CREDENTIAL_UID, "uid-2");
  static final String TYPE = SecretWriteRule.SECRET_TYPE;
  static final String OWNER = "platform/example";

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of("absent", null, new Create()),
        Arguments.of("ours, up to date", known(OURS, OWNER, TYPE, null, WANTED), new Leave()),
        Arguments.of("ours, up to date, cached as a digest", SecretDigests.slim(known(OURS, OWNER, TYPE, null, WANTED)), new Leave()),
        Arguments.of("ours, other data", known(OURS, OWNER, TYPE, null, OTHER), new Update(false)),
        Arguments.of("ours, other data, cached as a digest", SecretDigests.slim(known(OURS, OWNER, TYPE, null, OTHER)), new Update(false)),
        Arguments.of("ours, type changed by hand", known(OURS, OWNER, "Opaque", null, WANTED), new Update(false)),
        Arguments.of("ours, owner annotation removed", known(OURS, null, TYPE, null, WANTED), new Update(false)),
        Arguments.of("ours, immutable, other data", known(OURS, OWNER, TYPE, true, OTHER), new Replace()),
        Arguments.of("ours, immutable, same data, owner annotation removed", known(OURS, null, TYPE, true, WANTED), new Update(false)),
        Arguments.of("ours, immutable, up to date", known(OURS, OWNER, TYPE, true, WANTED), new Leave()),
        Arguments.of("managed, owner annotation ours, no uid (restored)", known(MANAGED_NO_UID, OWNER, TYPE, null, WANTED), new Update(true)),
        Arguments.of("managed, owner annotation ours, other uid (restored)", known(OTHER_UID, OWNER, TYPE, null, OTHER), new Update(true)),
        Arguments.of("managed, owner annotation ours, immutable, other data", known(MANAGED_NO_UID, OWNER, TYPE, true, OTHER), new Replace()),
        Arguments.of("not labelled", known(Map.of(), null, TYPE, null, WANTED),
            new Conflict("Secret 'regcred' exists and is not managed by pullsecret-operator; it is left alone")),
        Arguments.of("not labelled, our uid label only", known(Map.of(Labels.CREDENTIAL_UID, "uid-2"), OWNER, TYPE, null, WANTED),
            new Conflict("Secret 'regcred' exists and is not managed by pullsecret-operator; it is left alone")),
        Arguments.of("another credential's", known(OTHER_UID, "team-b/other", TYPE, null, WANTED),
            new Conflict("Secret 'regcred' is managed by RegistryCredential team-b/other")),
        Arguments.of("another credential's, no owner annotation", known(OTHER_UID, null, TYPE, null, WANTED),
            new Conflict("Secret 'regcred' is managed by another RegistryCredential (another uid, no owner annotation)")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(String row, Secret known, Decision expected) {
    Decision d = SecretWriteRule.decide(known, rc(), NAME, WANTED);
    if (expected instanceof Conflict c) {
      assertThat(d).isInstanceOf(Conflict.class);
      assertThat(((Conflict) d).message()).startsWith(c.message());
    } else {
      assertThat(d).isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "decided on absent={0}, HTTP {1}: read again={2}")
  @CsvSource({
      "true, 409, true",
      "true, 404, false",
      "true, 422, false",
      "true, 403, false",
      "true, 500, false",
      "false, 404, true",
      "false, 409, true",
      "false, 422, true",
      "false, 403, false",
      "false, 429, false",
      "false, 500, false"})
  void readsAgainOnlyWhenTheAnswerShowsWhatWasKnownWasOutOfDate(boolean absent, int code, boolean again) {
    assertThat(SecretWriteRule.staleAnswer(absent, code)).isEqualTo(again);
  }

  @Test
  void theDesiredSecretKeepsOthersLabelsAndAnnotationsAndHoldsExactlyOurData() {
    Secret existing = known(Map.of("team", "a", Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE), null, "Opaque", null, OTHER);
    existing.getMetadata().getAnnotations().put("note", "kept");
    existing.getData().put("extra", "eA==");

    Secret d = SecretWriteRule.desired(rc(), "team-a", NAME, WANTED, existing);

    assertThat(d.getMetadata().getResourceVersion()).isEqualTo("7"); // the update is guarded by what was read
    assertThat(d.getMetadata().getLabels()).containsEntry("team", "a").containsEntry(Labels.CREDENTIAL_UID, UID);
    assertThat(d.getMetadata().getAnnotations()).containsEntry("note", "kept").containsEntry(Labels.OWNER_ANNOTATION, OWNER);
    assertThat(d.getData()).containsOnlyKeys(SecretWriteRule.DATA_KEY).containsEntry(SecretWriteRule.DATA_KEY, WANTED);
    assertThat(d.getType()).isEqualTo(TYPE);
    assertThat(SecretWriteRule.decide(d, rc(), NAME, WANTED)).isEqualTo(new Leave());
  }

  @Test
  void aReplacementIsANewMutableObjectThatKeepsOthersLabels() {
    Secret existing = known(Map.of("team", "a", Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.CREDENTIAL_UID, UID), OWNER, TYPE, true, OTHER);

    Secret r = SecretWriteRule.replacement(rc(), "team-a", NAME, WANTED, existing);

    assertThat(r.getImmutable()).isNull();
    assertThat(r.getMetadata().getResourceVersion()).isNull();
    assertThat(r.getMetadata().getLabels()).containsEntry("team", "a");
    assertThat(SecretWriteRule.decide(r, rc(), NAME, WANTED)).isEqualTo(new Leave());
  }
}
