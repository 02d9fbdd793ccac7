package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.pullsecrets.operator.LogCapture;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.MockApiServer;
import java.time.Clock;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

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

  @Test
  void eventsAreLoggedWithTheCredentialSuffixWarningsAtWarn() {
    try (MockApiServer api = new MockApiServer(); LogCapture log = LogCapture.of(EventRecorder.class, "text")) {
      EventRecorder events = new EventRecorder(api.client(), Clock.systemUTC());
      RegistryCredential rc = Fixtures.staticCredential("platform", "ecr-prod", "registry.example.com", "robot");
      events.warning(rc, "Conflict", "Secret 'pull' in namespace 'team-a' is not managed by this RegistryCredential");
      events.normal(rc, "Synced", "Secret 'pull': 2/2 synced");

      assertThat(log.lines()).satisfiesExactly(
          l -> assertThat(l).contains(" WARN ").endsWith(
              " - Warning Conflict: Secret 'pull' in namespace 'team-a' is not managed by this RegistryCredential [platform/ecr-prod]"),
          l -> assertThat(l).contains(" INFO ").endsWith(" - Normal Synced: Secret 'pull': 2/2 synced [platform/ecr-prod]"));
      assertThat(api.client().v1().events().inNamespace("platform").list().getItems())
          .extracting(Event::getType).containsExactlyInAnyOrder("Warning", "Normal");
      assertThat(MDC.get("resource.name")).isNull();
    }
  }
}
