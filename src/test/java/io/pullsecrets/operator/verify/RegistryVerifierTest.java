package io.pullsecrets.operator.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.RegistryLogin;
import io.pullsecrets.operator.provider.cloud.StubServer;
import io.pullsecrets.operator.provider.cloud.StubServer.Request;
import io.pullsecrets.operator.provider.cloud.StubServer.Response;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The /v2/ probe against stub registries: one with Basic auth, one with the Bearer token flow. */
class RegistryVerifierTest {
  static final String USER = "robot";
  static final String PASSWORD = "registry-password-do-not-leak";
  static final String TOKEN = "registry-bearer-token-do-not-leak";

  StubServer registry;
  StubServer auth;
  final RegistryVerifier verifier = new RegistryVerifier();

  @BeforeEach
  void start() throws Exception {
    registry = StubServer.http();
    auth = StubServer.http();
  }

  @AfterEach
  void stop() {
    registry.close();
    auth.close();
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  Response basicRegistry(Request r) {
    assertThat(r.path()).isEqualTo("/v2/");
    if (basic(USER, PASSWORD).equals(r.header("authorization"))) {
      return Response.json(200, "{}");
    }
    return Response.json(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}")
        .withHeader("WWW-Authenticate", "Basic realm=\"Registry Realm\"");
  }

  Response bearerRegistry(Request r) {
    assertThat(r.path()).isEqualTo("/v2/");
    if (("Bearer " + TOKEN).equals(r.header("authorization"))) {
      return Response.json(200, "{}");
    }
    return Response.json(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}")
        .withHeader("WWW-Authenticate", "Bearer realm=\"" + auth.url() + "/oauth2/token\",service=\"" + registry.hostPort() + "\"");
  }

  Response tokenService(Request r) {
    assertThat(r.path()).isEqualTo("/oauth2/token");
    assertThat(r.query()).isEqualTo("service=" + registry.hostPort().replace(":", "%3A"));
    if (!basic(USER, PASSWORD).equals(r.header("authorization"))) {
      return Response.json(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
    }
    return Response.json(200, "{\"token\":\"" + TOKEN + "\",\"expires_in\":300}");
  }

  @Test
  void basicRegistryAcceptsTheLogin() {
    registry.handler(this::basicRegistry);
    RegistryVerifier.Result result = verifier.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, PASSWORD));
    assertThat(result.ok()).isTrue();
    assertThat(result.httpStatus()).isEqualTo(200);
    assertThat(result.message()).contains("Basic").doesNotContain(PASSWORD);
    assertThat(registry.requests()).hasSize(2);
    assertThat(registry.requests().get(0).header("authorization")).isNull();
  }

  @Test
  void basicRegistryRejectsAWrongPassword() {
    registry.handler(this::basicRegistry);
    RegistryVerifier.Result result = verifier.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, "wrong-password"));
    assertThat(result.ok()).isFalse();
    assertThat(result.httpStatus()).isEqualTo(401);
    assertThat(result.message()).contains("401").doesNotContain("wrong-password");
  }

  @Test
  void bearerChallengeIsFollowed() {
    registry.handler(this::bearerRegistry);
    auth.handler(this::tokenService);
    RegistryVerifier.Result result = verifier.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, PASSWORD));
    assertThat(result.ok()).as(result.message()).isTrue();
    assertThat(result.httpStatus()).isEqualTo(200);
    assertThat(result.message()).contains("Bearer").doesNotContain(PASSWORD).doesNotContain(TOKEN);
    assertThat(auth.requests()).hasSize(1);
    assertThat(registry.requests()).hasSize(2);
  }

  @Test
  void bearerTokenServiceRejectsTheLogin() {
    registry.handler(this::bearerRegistry);
    auth.handler(this::tokenService);
    RegistryVerifier.Result result = verifier.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, "nope-nope"));
    assertThat(result.ok()).isFalse();
    assertThat(result.httpStatus()).isEqualTo(401);
    assertThat(result.message()).contains("token service").doesNotContain("nope-nope");
  }

  @Test
  void bearerAccessTokenFieldIsAccepted() {
    registry.handler(this::bearerRegistry);
    auth.handler(r -> Response.json(200, "{\"access_token\":\"" + TOKEN + "\"}"));
    assertThat(verifier.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, PASSWORD)).ok()).isTrue();
  }

  @Test
  void plainHttpRealmOnAnotherHostGetsNoCredentials() {
    registry.handler(r -> Response.json(401, "{}")
        .withHeader("WWW-Authenticate", "Bearer realm=\"http://auth.example.com/token\",service=\"x\""));
    RegistryVerifier.Result result = verifier.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, PASSWORD));
    assertThat(result.ok()).isFalse();
    assertThat(result.message()).contains("not https");
  }

  @Test
  void anonymousRegistryAndServerErrorsAndUnreachable() {
    registry.handler(r -> Response.json(200, "{}"));
    assertThat(verifier.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, PASSWORD)))
        .satisfies(r -> assertThat(r.ok()).isTrue());
    registry.handler(r -> Response.json(503, "{}"));
    assertThat(verifier.verify(registry.hostPort(), new RegistryLogin(registry.hostPort(), USER, PASSWORD)))
        .satisfies(r -> {
          assertThat(r.ok()).isFalse();
          assertThat(r.httpStatus()).isEqualTo(503);
        });
    String gone = registry.hostPort();
    registry.close();
    assertThat(verifier.verify(gone, new RegistryLogin(gone, USER, PASSWORD)))
        .satisfies(r -> {
          assertThat(r.ok()).isFalse();
          assertThat(r.httpStatus()).isZero();
          assertThat(r.message()).doesNotContain(PASSWORD);
        });
  }

  @Test
  void verifiesEveryRegistryOfACredential() throws Exception {
    registry.handler(this::basicRegistry);
    try (StubServer other = StubServer.http()) {
      other.handler(this::basicRegistry);
      Credential good = Credential.of(List.of(new RegistryLogin(registry.hostPort(), USER, PASSWORD),
          new RegistryLogin(other.hostPort(), USER, PASSWORD)), null);
      assertThat(verifier.verify(good).ok()).isTrue();
      Credential bad = Credential.of(List.of(new RegistryLogin(registry.hostPort(), USER, PASSWORD),
          new RegistryLogin(other.hostPort(), USER, "bad-one")), null);
      assertThat(verifier.verify(bad)).satisfies(r -> {
        assertThat(r.ok()).isFalse();
        assertThat(r.message()).startsWith(other.hostPort());
      });
    }
  }
}
