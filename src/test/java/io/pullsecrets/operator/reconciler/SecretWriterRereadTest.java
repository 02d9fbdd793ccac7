package io.pullsecrets.operator.reconciler;

import static io.pullsecrets.operator.testing.Fixtures.unb64;
import static io.pullsecrets.operator.testing.OperatorHarness.PLATFORM_NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import io.pullsecrets.operator.testing.MockApiServer;
import io.pullsecrets.operator.testing.OperatorHarness;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The write rule for a replicated Secret: when the API server's answer shows that what the
 * operator knew was out of date, it reads the Secret once and decides once more, within the same
 * reconcile, instead of failing the namespace or reporting a conflict.
 */
class SecretWriterRereadTest {
  static final String SECRETS = "/api/v1/namespaces/team-a/secrets";
  @RegisterExtension final Closer closer = new Closer();
  OperatorHarness h;

  /** Answers the first operator request that matches with {@code code}; the rest pass. */
  static java.util.function.Function<RecordedRequest, MockResponse> once(Predicate<RecordedRequest> match, int code, String reason) {
    AtomicInteger left = new AtomicInteger(1);
    return r -> MockApiServer.OPERATOR_AGENT.equals(r.getHeader("User-Agent")) && match.test(r) && left.getAndDecrement() > 0
        ? new MockResponse().setResponseCode(code).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
            + "\"reason\":\"" + reason + "\",\"code\":" + code + "}")
        : null;
  }

  /** The operator's requests on team-a's Secrets, as "METHOD path" without the common prefix. */
  List<String> secretRequests() {
    return h.mock().operatorRequests().stream()
        .filter(r -> r.path().startsWith(SECRETS) && !r.path().contains("?"))
        .map(r -> r.method() + " " + r.path().substring(SECRETS.length())).toList();
  }

  String password(String ns) {
    return h.secret(ns, "regcred").map(s -> unb64(s.getData().get(".dockerconfigjson"))).orElse("");
  }

  @Test
  void aCreateAnsweredAlreadyExistsIsDecidedAgainOnOneFreshRead() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.mock().setFault(once(r -> r.getMethod().equals("POST") && r.getPath().equals(SECRETS), 409, "AlreadyExists"));

    h.apply(Fixtures.teamCredential(h.client, "registry.example.com", List.of("team-a")));

    h.awaitReady(PLATFORM_NS, "example");
    assertThat(password("team-a")).contains("robot");
    // Found absent on the fresh read: created, not reported as held by someone else.
    assertThat(secretRequests()).startsWith("POST ", "GET /regcred", "POST ");
    assertThat(h.get(PLATFORM_NS, "example").getStatus().getFailedNamespaces()).isNullOrEmpty();
  }

  @Test
  void anUpdateAnsweredNotFoundIsDecidedAgainOnOneFreshRead() {
    h = closer.add(OperatorHarness.onMock()).start();
    Fixtures.namespace(h.client, "team-a", Map.of());
    h.applyReady(Fixtures.teamCredential(h.client, "registry.example.com", List.of("team-a")));
    h.mock().clearRequests();
    h.mock().setFault(once(r -> r.getMethod().equals("PUT") && r.getPath().equals(SECRETS + "/regcred"), 404, "NotFound"));

    Fixtures.loginSecret(h.client, PLATFORM_NS, "robot", "robot", "write-rule-pw-2");

    h.awaitUntil(() -> password("team-a").contains("write-rule-pw-2"));
    assertThat(secretRequests()).startsWith("PUT /regcred", "GET /regcred", "PUT /regcred");
  }
}
