package io.pullsecrets.operator.verify;

import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.StatusCondition;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 #2: {@code verify: true} does not make the operator's pod call a loopback address a
 * tenant names; the Verified condition says why, and the sync itself is not affected.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class VerifyRefusedOnRealServerTest {

  @Test
  void tenantsVerifyOfALoopbackRegistryMakesNoRequestAndReportsRefused() throws Exception {
    try (StubServer stub = StubServer.http();
        OperatorHarness h = new OperatorHarness().start()) {
      stub.handler(r -> Response.json(200, "{}"));
      Fixtures.namespace(h.client, "tenant-a", Map.of());
      Fixtures.loginSecret(h.client, "tenant-a", "robot", "robot", "verify-refused-secret-1");
      RegistryCredential rc = Fixtures.staticCredential("tenant-a", "probe", stub.hostPort(), "robot");
      rc.getSpec().setVerify(true);
      h.apply(rc);

      RegistryCredential done = h.awaitCondition("tenant-a", "probe", "Verified", "False", RegistryVerifier.REFUSED);
      StatusCondition verified = condition(done, "Verified").orElseThrow();
      assertThat(verified.getMessage())
          .startsWith(stub.hostPort() + ": GET http://" + stub.hostPort() + "/v2/ was not sent: '127.0.0.1' resolves to a loopback address")
          .contains("PULLSECRET_ALLOWED_ENDPOINT_HOSTS")
          .doesNotContain("verify-refused-secret-1");
      // Ready is what it is without verify: the Secret is synced.
      assertThat(condition(done, "Ready").orElseThrow().getStatus()).isEqualTo("True");
      assertThat(h.secret("tenant-a", "probe")).isPresent();
      assertThat(stub.requests()).isEmpty();
    }
  }
}
