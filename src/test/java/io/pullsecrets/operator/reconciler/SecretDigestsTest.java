package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretDigestsTest {
  static Secret secret(Map<String, String> data, Map<String, String> stringData) {
    return new SecretBuilder().withNewMetadata().withName("s").withNamespace("ns").withResourceVersion("7")
        .withLabels(Map.of("a", "b")).withAnnotations(Map.of("c", "d")).endMetadata()
        .withType("kubernetes.io/dockerconfigjson").withData(data).withStringData(stringData).build();
  }

  @Test
  void slimKeepsMetadataAndADigestInsteadOfTheData() {
    Secret whole = secret(Map.of(".dockerconfigjson", "e30=", "other", "eA=="), null);
    Secret slim = SecretDigests.slim(whole);
    assertThat(slim.getData()).containsOnlyKeys(SecretDigests.DIGEST_KEY);
    assertThat(slim.getMetadata().getLabels()).isEqualTo(Map.of("a", "b"));
    assertThat(slim.getMetadata().getAnnotations()).isEqualTo(Map.of("c", "d"));
    assertThat(slim.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(slim.getType()).isEqualTo("kubernetes.io/dockerconfigjson");
    assertThat(SecretDigests.slim(slim)).isSameAs(slim);
    assertThat(whole.getData()).containsKey("other");
  }

  @Test
  void holdsExactlyComparesWholeAndSlimSecretsAlike() {
    Map<String, String> wanted = Map.of(".dockerconfigjson", "e30=");
    for (boolean slim : new boolean[] {false, true}) {
      java.util.function.UnaryOperator<Secret> f = s -> slim ? SecretDigests.slim(s) : s;
      assertThat(SecretDigests.holdsExactly(f.apply(secret(wanted, null)), wanted)).isTrue();
      assertThat(SecretDigests.holdsExactly(f.apply(secret(Map.of(".dockerconfigjson", "e31="), null)), wanted)).isFalse();
      assertThat(SecretDigests.holdsExactly(f.apply(secret(Map.of(".dockerconfigjson", "e30=", "x", "eA=="), null)), wanted)).isFalse();
      assertThat(SecretDigests.holdsExactly(f.apply(secret(wanted, Map.of("k", "v"))), wanted)).isFalse();
      assertThat(SecretDigests.holdsExactly(f.apply(secret(null, null)), wanted)).isFalse();
    }
  }
}
