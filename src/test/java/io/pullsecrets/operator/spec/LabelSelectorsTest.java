package io.pullsecrets.operator.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pullsecrets.operator.api.LabelSelectorRequirementSpec;
import io.pullsecrets.operator.api.LabelSelectorSpec;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class LabelSelectorsTest {

  private static Predicate<Map<String, String>> compile(Map<String, String> labels, LabelSelectorRequirementSpec... exprs)
      throws Exception {
    return LabelSelectors.compile(new LabelSelectorSpec(labels, List.of(exprs)), "sel");
  }

  @Test
  void matchLabelsAndEveryOperator() throws Exception {
    var sel = compile(Map.of("team", "a"),
        new LabelSelectorRequirementSpec("env", "In", List.of("prod", "stage")),
        new LabelSelectorRequirementSpec("tier", "NotIn", List.of("db")),
        new LabelSelectorRequirementSpec("pull", "Exists", null),
        new LabelSelectorRequirementSpec("legacy", "DoesNotExist", List.of()));
    assertThat(sel.test(Map.of("team", "a", "env", "prod", "pull", ""))).isTrue();
    assertThat(sel.test(Map.of("team", "a", "env", "stage", "pull", "x", "tier", "web"))).isTrue();
    assertThat(sel.test(Map.of("team", "b", "env", "prod", "pull", ""))).isFalse();
    assertThat(sel.test(Map.of("team", "a", "env", "dev", "pull", ""))).isFalse();
    assertThat(sel.test(Map.of("team", "a", "pull", ""))).isFalse();
    assertThat(sel.test(Map.of("team", "a", "env", "prod", "pull", "", "tier", "db"))).isFalse();
    assertThat(sel.test(Map.of("team", "a", "env", "prod"))).isFalse();
    assertThat(sel.test(Map.of("team", "a", "env", "prod", "pull", "", "legacy", "1"))).isFalse();
  }

  @Test
  void emptySelectorMatchesEverythingNullMatchesNothing() throws Exception {
    assertThat(LabelSelectors.compile(new LabelSelectorSpec(), "s").test(Map.of("a", "b"))).isTrue();
    assertThat(LabelSelectors.compile(new LabelSelectorSpec(), "s").test(null)).isTrue();
    assertThat(LabelSelectors.compile(null, "s").test(Map.of())).isFalse();
  }

  @Test
  void prefixedKeysAndUnicodeValues() throws Exception {
    assertThat(compile(Map.of("pullsecrets.io/pull", "yes")).test(Map.of("pullsecrets.io/pull", "yes"))).isTrue();
    assertThatThrownBy(() -> compile(Map.of("k", "wert-ü"))).hasMessage("sel: invalid value 'wert-ü' for key 'k'");
  }

  @Test
  void invalidSelectorsNameTheProblem() {
    assertThatThrownBy(() -> compile(null, new LabelSelectorRequirementSpec("k", "Like", List.of("x"))))
        .hasMessage("sel: unknown operator 'Like' on key 'k' (use In, NotIn, Exists or DoesNotExist)");
    assertThatThrownBy(() -> compile(null, new LabelSelectorRequirementSpec("k", "In", List.of())))
        .hasMessage("sel: operator In on key 'k' needs at least one value");
    assertThatThrownBy(() -> compile(null, new LabelSelectorRequirementSpec("k", "Exists", List.of("x"))))
        .hasMessage("sel: operator Exists on key 'k' takes no values");
    assertThatThrownBy(() -> compile(null, new LabelSelectorRequirementSpec("", "Exists", null)))
        .hasMessage("sel: empty label key");
    assertThatThrownBy(() -> compile(Map.of("bad key", "v"))).hasMessage("sel: invalid label key 'bad key'");
    assertThatThrownBy(() -> compile(null, new LabelSelectorRequirementSpec("x".repeat(300), "Exists", null)))
        .hasMessageStartingWith("sel: invalid label key 'xxxx").hasMessageEndingWith("...'");
  }
}
