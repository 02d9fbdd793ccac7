package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A pass's remembered namespaces answer as the TreeSet they were made from. */
class SortedStringsTest {

  @Test
  void answersAsTheTreeSetItWasMadeFrom() {
    TreeSet<String> tree = new TreeSet<>(List.of("team-b", "team-a", "prod", "team-c", "z"));

    SortedSet<String> compact = SortedStrings.of(tree);

    assertThat(compact).isEqualTo(tree).hasSameHashCodeAs(tree).containsExactlyElementsOf(tree);
    assertThat(tree).isEqualTo(compact);
    assertThat(compact.contains("team-a")).isTrue();
    assertThat(compact.contains("team")).isFalse();
    assertThat(compact.contains(7)).isFalse();
    assertThat(compact.first()).isEqualTo("prod");
    assertThat(compact.last()).isEqualTo("z");
    assertThat(compact.subSet("t", "team-c")).containsExactlyElementsOf(tree.subSet("t", "team-c"));
    assertThat(compact.headSet("team-b")).containsExactlyElementsOf(tree.headSet("team-b"));
    assertThat(compact.tailSet("team-b")).containsExactlyElementsOf(tree.tailSet("team-b"));
    assertThat(compact.tailSet("team-b").headSet("z").first()).isEqualTo("team-b");
    assertThat(new TreeSet<>(compact)).isEqualTo(tree);
    assertThat(SortedStrings.of(compact)).isSameAs(compact);
  }

  @Test
  void anEmptySetHasNoFirstOrLast() {
    SortedSet<String> empty = SortedStrings.of(new TreeSet<>());

    assertThat(empty).isEmpty();
    assertThatThrownBy(empty::first).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(empty::last).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(() -> empty.iterator().next()).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(() -> empty.add("x")).isInstanceOf(UnsupportedOperationException.class);
  }
}
