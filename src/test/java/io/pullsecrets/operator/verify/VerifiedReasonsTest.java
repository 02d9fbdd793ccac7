package io.pullsecrets.operator.verify;

import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static io.pullsecrets.operator.testing.OperatorHarness.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.StatusCondition;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * README: with {@code verify: true}, Verified=False says why the registry did not accept the
 * login: {@code Forbidden} (403 to the login), {@code UnexpectedStatus} (any other answer but
 * 401), {@code Unreachable} (no answer at all). The registry is a stub on a host the
 * administrator allow-listed; the sync itself is not affected (Ready stays True).
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class VerifiedReasonsTest {
  static final String PASSWORD = "verified-reasons-password-1";

  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;

  /** A registry that challenges for Basic credentials, then answers the login with {@code status}. */
  static StubServer registry(int status) throws Exception {
    return StubServer.http().handler(r -> {
      if (!r.path().equals("/v2/")) {
        return Response.json(404, "{}");
      }
      if (r.header("authorization") == null) {
        return Response.json(401, "{}").withHeader("WWW-Authenticate", "Basic realm=\"stub\"");
      }
      return Response.json(status, "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"registry-said-" + status + "\"}]}");
    });
  }

  /** 403 to the login: Forbidden; any other answer but 401 (here a 500): UnexpectedStatus. */
  @ParameterizedTest
  @CsvSource({"403, Forbidden", "500, UnexpectedStatus"})
  void aLoginAnsweredWithAStatusOtherThan200Or401SaysWhichInTheReason(int status, String reason) throws Exception {
    try (StubServer registry = registry(status)) {
      StatusCondition verified = verify(registry.hostPort(), reason);
      assertThat(verified.getMessage()).startsWith("HTTP " + status + ": ");
      assertThat(registry.requests()).anyMatch(r -> r.header("authorization") != null);
    }
  }

  @Test
  void aRegistryThatDoesNotAnswerIsUnreachable() throws Exception {
    // A port that was bound and is closed again: nothing listens there.
    String hostPort;
    try (StubServer gone = StubServer.http()) {
      hostPort = gone.hostPort();
    }
    StatusCondition verified = verify(hostPort, "Unreachable");
    assertThat(verified.getMessage()).startsWith(hostPort + ": ").doesNotContain("HTTP ");
  }

  /** Syncs a credential for {@code hostPort} with verify on; returns its Verified condition, awaited with {@code reason}. */
  private StatusCondition verify(String hostPort, String reason) {
    h = closer.add(new OperatorHarness()).start(OperatorHarness.config(Set.of(), Set.of(hostPort)), o -> o);
    Fixtures.namespace(h.client, "team-a", Map.of());
    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", PASSWORD);
    RegistryCredential rc = Fixtures.targeting(Fixtures.staticCredential(PLATFORM_NS, "probe", hostPort, "robot"), List.of("team-a"));
    rc.getSpec().setVerify(true);
    h.apply(rc);

    RegistryCredential done = h.awaitCondition(PLATFORM_NS, "probe", "Verified", "False", reason);
    assertThat(condition(done, "Ready").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(h.secret("team-a", "probe")).isPresent();
    StatusCondition verified = condition(done, "Verified").orElseThrow();
    assertThat(verified.getMessage()).doesNotContain(PASSWORD).doesNotContain("registry-said");
    return verified;
  }
}
