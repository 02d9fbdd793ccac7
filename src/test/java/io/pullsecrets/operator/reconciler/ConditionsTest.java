package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.StatusCondition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {
  static final Instant T0 = Instant.parse("2026-11-28T10:00:00.123Z");
  static final Instant T1 = Instant.parse("2026-11-28T11:00:00Z");

  @Test
  void transitionTimeMovesOnlyWhenTheStatusChanges() {
    List<StatusCondition> first = new Conditions(null, 1L, T0)
        .set(Conditions.READY, true, "Synced", "1/1 namespaces").toList();
    assertThat(first).singleElement().satisfies(c -> {
      assertThat(c.getLastTransitionTime()).isEqualTo("2026-11-28T10:00:00Z");
      assertThat(c.getObservedGeneration()).isEqualTo(1L);
    });

    // Same status, new reason and message: the transition time stays.
    List<StatusCondition> second = new Conditions(first, 2L, T1)
        .set(Conditions.READY, true, "Synced", "2/2 namespaces").toList();
    assertThat(second.get(0).getLastTransitionTime()).isEqualTo("2026-11-28T10:00:00Z");
    assertThat(second.get(0).getMessage()).isEqualTo("2/2 namespaces");
    assertThat(second.get(0).getObservedGeneration()).isEqualTo(2L);

    // Status flips: the transition time moves.
    List<StatusCondition> third = new Conditions(second, 2L, T1)
        .set(Conditions.READY, false, "SourceNotFound", "Secret 'x' not found").toList();
    assertThat(third.get(0).getLastTransitionTime()).isEqualTo("2026-11-28T11:00:00Z");
  }

  @Test
  void fixedOrderAndRemoval() {
    Conditions c = new Conditions(null, 1L, T0)
        .set(Conditions.STALLED, true, "Conflict", "m")
        .set(Conditions.SYNCED, false, "Conflict", "m")
        .set(Conditions.READY, false, "Conflict", "m")
        .set(Conditions.TOKEN_VALID, true, "Valid", "m");
    assertThat(c.toList()).extracting(StatusCondition::getType).containsExactly("Ready", "TokenValid", "Synced", "Stalled");
    c.remove(Conditions.STALLED);
    assertThat(c.toList()).extracting(StatusCondition::getType).containsExactly("Ready", "TokenValid", "Synced");
    assertThat(c.previous(Conditions.READY)).isEmpty();
  }

  @Test
  void unchangedInputGivesEqualConditions() {
    List<StatusCondition> a = new Conditions(null, 3L, T0).set(Conditions.READY, true, "Synced", "m").toList();
    List<StatusCondition> b = new Conditions(a, 3L, T1).set(Conditions.READY, true, "Synced", "m").toList();
    assertThat(b).isEqualTo(a);
  }
}
