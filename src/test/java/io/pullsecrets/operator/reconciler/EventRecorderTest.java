package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class EventRecorderTest {
  static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  @Test
  void shortNamesKeepTheirForm() {
    assertThat(EventRecorder.eventName("ecr-prod", "0123456789ab")).isEqualTo("ecr-prod.0123456789ab");
  }

  @Test
  void longNamesAreCutWithAHashAndStayValidAndDistinct() {
    String a = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(61);
    String b = a.substring(0, 252) + "e";
    // Cut right after a dot or a dash: the prefix must still end with a letter or digit.
    String c = "a".repeat(230) + "-.x" + "y".repeat(20);
    for (String name : new String[] {a, b, c}) {
      String event = EventRecorder.eventName(name, "0123456789ab");
      assertThat(event).hasSizeLessThanOrEqualTo(253).matches(DNS_SUBDOMAIN).endsWith(".0123456789ab");
    }
    assertThat(EventRecorder.eventName(a, "0123456789ab")).isNotEqualTo(EventRecorder.eventName(b, "0123456789ab"));
  }
}
