package io.pullsecrets.operator.reconciler;

import io.pullsecrets.operator.api.StatusCondition;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Owns every change to a RegistryCredential's conditions. {@code lastTransitionTime} moves only
 * when a condition's status changes; conditions come out in a fixed order so that an unchanged
 * status serializes to the same bytes.
 */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String TOKEN_VALID = "TokenValid";
  public static final String SYNCED = "Synced";
  public static final String VERIFIED = "Verified";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";

  /** Longest condition message kept: whatever it quotes, status stays small. */
  public static final int MAX_MESSAGE = 2048;

  private static final List<String> ORDER = List.of(READY, TOKEN_VALID, SYNCED, VERIFIED, RECONCILING, STALLED);

  private final Map<String, StatusCondition> previous = new LinkedHashMap<>();
  private final Map<String, StatusCondition> current = new LinkedHashMap<>();
  private final Long generation;
  private final String now;

  public Conditions(List<StatusCondition> existing, Long generation, Instant now) {
    if (existing != null) {
      for (StatusCondition c : existing) {
        previous.put(c.getType(), c);
        current.put(c.getType(), c);
      }
    }
    this.generation = generation;
    this.now = now.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Sets a condition; the transition time is kept when the status is unchanged. */
  public Conditions set(String type, boolean status, String reason, String message) {
    String s = status ? "True" : "False";
    StatusCondition old = previous.get(type);
    String transition = old != null && s.equals(old.getStatus()) && old.getLastTransitionTime() != null
        ? old.getLastTransitionTime()
        : now;
    current.put(type, new StatusCondition(type, s, reason, ForeignText.truncate(message, MAX_MESSAGE), transition, generation));
    return this;
  }

  /** Removes a condition (kstatus' Reconciling and Stalled are absent when they do not apply). */
  public Conditions remove(String type) {
    current.remove(type);
    return this;
  }

  public Optional<StatusCondition> get(String type) {
    return Optional.ofNullable(current.get(type));
  }

  /** The condition as it was before this round of changes. */
  public Optional<StatusCondition> previous(String type) {
    return Optional.ofNullable(previous.get(type));
  }

  public List<StatusCondition> toList() {
    List<StatusCondition> out = new ArrayList<>();
    for (String type : ORDER) {
      StatusCondition c = current.get(type);
      if (c != null) {
        out.add(c);
      }
    }
    current.forEach((type, c) -> {
      if (!ORDER.contains(type)) {
        out.add(c);
      }
    });
    return out;
  }
}
