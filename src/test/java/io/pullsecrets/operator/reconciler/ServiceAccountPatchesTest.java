package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
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
}
