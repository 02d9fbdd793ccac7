package io.pullsecrets.operator.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pullsecrets.operator.api.RegistryCredential;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The hygiene scan that every operator test runs at close really catches a leak. */
class SecretScanTest {

  @Test
  void aSecretInALogLineFailsTheTest() {
    OperatorHarness h = new OperatorHarness();
    Fixtures.loginSecret(h.client, OperatorHarness.PLATFORM_NS, "robot", "robot", "leaky-password-1");
    LoggerFactory.getLogger("io.pullsecrets.operator.Leak").info("oops: {}", "leaky-password-1");
    assertThatThrownBy(h::close).isInstanceOf(AssertionError.class)
        .hasMessageContaining("a log line of io.pullsecrets.operator.Leak contains a secret value")
        .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getMessage()).doesNotContain("leaky-password-1"));
  }

  @Test
  void aSecretInAnEventOrStatusFailsTheTest() {
    OperatorHarness h = new OperatorHarness();
    Fixtures.dataSecret(h.client, OperatorHarness.PLATFORM_NS, "keys", Map.of("token", "status-leak-42"));
    RegistryCredential rc = Fixtures.staticCredential(OperatorHarness.PLATFORM_NS, "x", "r.io", "keys");
    rc = h.apply(rc);
    rc.setStatus(new io.pullsecrets.operator.api.RegistryCredentialStatus());
    rc.getStatus().setProvider("status-leak-42");
    h.client.resource(rc).updateStatus();
    assertThatThrownBy(h::close).isInstanceOf(AssertionError.class).hasMessageContaining("status of platform/x contains a secret value");
  }

  @Test
  void aSecretInAnEventFailsTheTest() {
    OperatorHarness h = new OperatorHarness();
    Fixtures.dataSecret(h.client, OperatorHarness.PLATFORM_NS, "keys", Map.of("token", "event-leak-token-77"));
    h.client.v1().events().inNamespace(OperatorHarness.PLATFORM_NS).resource(new io.fabric8.kubernetes.api.model.EventBuilder()
        .withNewMetadata().withName("leaky-event").withNamespace(OperatorHarness.PLATFORM_NS).endMetadata()
        .withNewInvolvedObject().withKind("Secret").withNamespace(OperatorHarness.PLATFORM_NS).withName("keys").endInvolvedObject()
        .withReason("Leak").withType("Warning").withMessage("the token is event-leak-token-77").build()).create();
    assertThatThrownBy(h::close).isInstanceOf(AssertionError.class)
        .hasMessageContaining("Event platform/leaky-event contains a secret value")
        .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getMessage()).doesNotContain("event-leak-token-77"));
  }

  @Test
  void aValueTooShortToScanForIsRefusedNotSkipped() {
    assertThatThrownBy(() -> SecretScan.register("pw-1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least " + SecretScan.MIN_LENGTH);
    org.assertj.core.api.Assertions.assertThat(SecretScan.find("x", "scan-pw-short-ok")).isEmpty();
    SecretScan.register("scan-pw-short-ok");
    org.assertj.core.api.Assertions.assertThat(SecretScan.find("x", "has scan-pw-short-ok inside")).hasSize(1);
  }
}
