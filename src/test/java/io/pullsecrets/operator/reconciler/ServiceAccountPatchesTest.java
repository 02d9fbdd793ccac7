package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceAccountPatchesTest {

  private static ServiceAccount sa(String... entries) {
    ServiceAccountBuilder b = new ServiceAccountBuilder().withNewMetadata().withName("default").withResourceVersion("42").endMetadata();
    for (String e : entries) {
      b.addNewImagePullSecret(e);
    }
    return b.build();
  }

  @Test
  void addToAnEmptyListGuardsOnTheResourceVersion() {
    assertThat(ServiceAccountPatches.add(sa(), "regcred")).isEqualTo(
        "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"42\"},"
            + "{\"op\":\"add\",\"path\":\"/imagePullSecrets\",\"value\":[{\"name\":\"regcred\"}]}]");
  }

  @Test
  void addAppendsAfterATestOfTheCurrentList() {
    assertThat(ServiceAccountPatches.add(sa("a", "b"), "regcred")).isEqualTo(
        "[{\"op\":\"test\",\"path\":\"/imagePullSecrets\",\"value\":[{\"name\":\"a\"},{\"name\":\"b\"}]},"
            + "{\"op\":\"add\",\"path\":\"/imagePullSecrets/-\",\"value\":{\"name\":\"regcred\"}}]");
  }

  @Test
  void removeTakesOnlyItsOwnEntryByIndexAfterATest() {
    assertThat(ServiceAccountPatches.remove(sa("a", "regcred", "b"), "regcred")).isEqualTo(
        "[{\"op\":\"test\",\"path\":\"/imagePullSecrets/1\",\"value\":{\"name\":\"regcred\"}},"
            + "{\"op\":\"remove\",\"path\":\"/imagePullSecrets/1\"}]");
    assertThat(ServiceAccountPatches.remove(sa("a"), "regcred")).isNull();
    assertThat(ServiceAccountPatches.hasEntry(sa("a", "regcred"), "regcred")).isTrue();
    assertThat(ServiceAccountPatches.hasEntry(sa("a"), "regcred")).isFalse();
  }

  @Test
  void removeTakesEveryEntryOfOursHighestIndexFirstEachAfterATest() {
    assertThat(ServiceAccountPatches.remove(sa("regcred", "mine", "regcred"), "regcred")).isEqualTo(
        "[{\"op\":\"test\",\"path\":\"/imagePullSecrets/2\",\"value\":{\"name\":\"regcred\"}},"
            + "{\"op\":\"remove\",\"path\":\"/imagePullSecrets/2\"},"
            + "{\"op\":\"test\",\"path\":\"/imagePullSecrets/0\",\"value\":{\"name\":\"regcred\"}},"
            + "{\"op\":\"remove\",\"path\":\"/imagePullSecrets/0\"}]");
  }

  @Test
  void changeWithOneAddOrOnlyRemovesIsThePatchOfAddOrRemove() {
    assertThat(ServiceAccountPatches.change(sa(), List.of("regcred"), Set.of())).isEqualTo(ServiceAccountPatches.add(sa(), "regcred"));
    assertThat(ServiceAccountPatches.change(sa("a"), List.of("regcred"), Set.of()))
        .isEqualTo(ServiceAccountPatches.add(sa("a"), "regcred"));
    assertThat(ServiceAccountPatches.change(sa("regcred", "mine", "regcred"), List.of(), Set.of("regcred")))
        .isEqualTo(ServiceAccountPatches.remove(sa("regcred", "mine", "regcred"), "regcred"));
    assertThat(ServiceAccountPatches.change(sa("a"), List.of(), Set.of("regcred"))).isNull();
  }

  @Test
  void changeSetsSeveralEntriesInOnePatchGuardedAsOne() {
    assertThat(ServiceAccountPatches.change(sa(), List.of("one", "two"), Set.of())).isEqualTo(
        "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"42\"},"
            + "{\"op\":\"add\",\"path\":\"/imagePullSecrets\",\"value\":[{\"name\":\"one\"},{\"name\":\"two\"}]}]");
    assertThat(ServiceAccountPatches.change(sa("a", "old", "b"), List.of("one", "two"), Set.of("old"))).isEqualTo(
        "[{\"op\":\"test\",\"path\":\"/imagePullSecrets\",\"value\":[{\"name\":\"a\"},{\"name\":\"old\"},{\"name\":\"b\"}]},"
            + "{\"op\":\"test\",\"path\":\"/imagePullSecrets/1\",\"value\":{\"name\":\"old\"}},"
            + "{\"op\":\"remove\",\"path\":\"/imagePullSecrets/1\"},"
            + "{\"op\":\"add\",\"path\":\"/imagePullSecrets/-\",\"value\":{\"name\":\"one\"}},"
            + "{\"op\":\"add\",\"path\":\"/imagePullSecrets/-\",\"value\":{\"name\":\"two\"}}]");
  }
}
