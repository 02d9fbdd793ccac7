package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ForeignTextTest {

  @Test
  void quotesAtMostAHundredCharactersAndReplacesControlCharacters() {
    assertThat(ForeignText.quote("x".repeat(100_000)))
        .isEqualTo("\"" + "x".repeat(100) + "\"... (99900 more characters)");
    assertThat(ForeignText.quote("a\nb\u0000c")).isEqualTo("\"a?b?c\"");
    assertThat(ForeignText.quote(null)).isEqualTo("(none)");
  }

  @Test
  void validOwnerNamesAreShownInvalidOnesQuoted() {
    assertThat(ForeignText.owner("platform/ecr-prod")).isEqualTo("RegistryCredential platform/ecr-prod");
    assertThat(ForeignText.owner("cluster-pull")).isEqualTo("ClusterRegistryCredential cluster-pull");
    assertThat(ForeignText.owner("Platform/x")).startsWith("a credential with an invalid owner annotation \"Platform/x\"");
    assertThat(ForeignText.owner("p/" + "a".repeat(254))).contains("invalid").hasSizeLessThan(200);
    assertThat(ForeignText.owner("No-Slash")).contains("invalid");
    assertThat(ForeignText.owner("a".repeat(254))).contains("invalid").hasSizeLessThan(200);
  }

  @Test
  void truncatesWholeMessages() {
    assertThat(ForeignText.truncate("abcdef", 5)).isEqualTo("ab...");
    assertThat(ForeignText.truncate("abc", 5)).isEqualTo("abc");
  }
}
