package io.pullsecrets.operator.provider.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pullsecrets.operator.api.ProviderSpec;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shared gate itself: what the providers' tests do not reach through a provider. */
class TokenPolicyTest {
  static final String ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";
  @RegisterExtension final Closer closer = new Closer();
  final MockTokenApi api = closer.add(new MockTokenApi());

  static RegistryHost host(String registry) {
    return RegistryHost.parse(registry).orElseThrow();
  }

  static ProviderRequest request(boolean trusted, String... allowed) {
    return Fixtures.request(new ProviderSpec(), new Fixtures.Secrets(), trusted, allowed);
  }

  @ParameterizedTest
  @CsvSource(value = {"''", "'   '"})
  void anEmptyAudienceIsNeverRequested(String audience) {
    TokenPolicy policy = new TokenPolicy(api.tokens(), Set.of());
    api.serviceAccount(Fixtures.NAMESPACE, "puller", "*", "token");
    assertThatThrownBy(() -> policy.token(request(true), "spec.x", "puller", audience, TokenPolicy.Cloud.AWS))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.INVALID_SPEC);
          assertThat(e.retryable()).isFalse();
        });
    // Also below the policy: the TokenRequest client never sends an empty audience list.
    assertThatThrownBy(() -> api.tokens().token(Fixtures.NAMESPACE, "puller", audience))
        .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.reason()).isEqualTo(Reasons.INVALID_SPEC));
    assertThat(api.received).isEmpty();
  }

  @Test
  void theIssuerAndAudiencesOfTheOperatorsOwnTokenAreRefused(@TempDir Path dir) throws Exception {
    String claims = "{\"iss\":\"" + ISSUER + "\",\"aud\":[\"" + ISSUER + "\",\"https://api.internal:6443\"],\"sub\":\"system:serviceaccount:ops:op\"}";
    Path token = dir.resolve("token");
    Files.writeString(token, "eyJhbGciOiJSUzI1NiJ9." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".sig");
    Set<String> own = TokenPolicy.OwnToken.read(token);
    assertThat(own).containsExactlyInAnyOrder(ISSUER, "https://api.internal:6443");
    assertThat(TokenPolicy.OwnToken.read(dir.resolve("missing"))).isEmpty();

    TokenPolicy policy = new TokenPolicy(api.tokens(), own);
    api.serviceAccount(Fixtures.NAMESPACE, "puller", "*", "token");
    for (String audience : new String[] {ISSUER, ISSUER + "/", "HTTPS://API.internal:6443"}) {
      assertThatThrownBy(() -> policy.token(request(true), "spec.x", "puller", audience, TokenPolicy.Cloud.AWS))
          .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.reason()).isEqualTo(Reasons.INVALID_SPEC));
    }
    assertThat(api.received).isEmpty();
    assertThat(policy.token(request(true), "spec.x", "puller", "my-audience", TokenPolicy.Cloud.AWS)).isEqualTo("token");
    assertThat(api.received).singleElement().satisfies(t -> {
      assertThat(t.getSpec().getExpirationSeconds()).isEqualTo(600L);
      assertThat(t.getSpec().getBoundObjectRef()).isNull();
    });
  }

  @Test
  void serviceAccountNamesThatAreNotNamesAreRefusedBeforeAnyRead() {
    TokenPolicy policy = new TokenPolicy(api.tokens(), Set.of());
    assertThatThrownBy(() -> policy.token(request(false), "spec.x", "../secrets/x", "sts.amazonaws.com", TokenPolicy.Cloud.AWS))
        .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.reason()).isEqualTo(Reasons.INVALID_SPEC));
    assertThat(api.received).isEmpty();
  }

  @Test
  void longSpecTextsAreShortenedInMessages() {
    TokenPolicy policy = new TokenPolicy(api.tokens(), Set.of());
    String audience = "evil-" + "x".repeat(5000);
    assertThatThrownBy(() -> policy.checkAudience(request(false), "spec.x", audience, TokenPolicy.Cloud.AWS))
        .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.getMessage()).hasSizeLessThan(400));
  }

  @ParameterizedTest
  @CsvSource(nullValues = "null", value = {
      "pull, true", "*, true", "'a, pull ,b', true", "' * ', true",
      "null, false", "'', false", "pulls, false", "'pul,l', false", "'a b', false"})
  void theAnnotationListsNamesOrStar(String value, boolean allowed) {
    assertThat(TokenPolicy.allows(value, "pull")).isEqualTo(allowed);
  }

  @ParameterizedTest
  @CsvSource({
      "myregistry.azurecr.io, false, true",
      "myregistry.westeurope.data.azurecr.io, false, true",
      "myregistry.azurecr.cn:443, false, true",
      "myregistry.azurecr.us, false, true",
      "azurecr.io, false, false",
      "myregistry.azurecr.io.evil.com, false, false",
      "evil.com, false, false",
      "evil.com, true, true",
      "evil.com:5000, false, false",
  })
  void acrHosts(String registry, boolean trusted, boolean ok) throws Exception {
    java.util.function.Predicate<String> acr = h -> h.matches("[a-z0-9-]+(\\.[a-z0-9-]+)*\\.azurecr\\.(io|cn|us)");
    if (ok) {
      TokenPolicy.requireHost(request(trusted), "registry", host(registry), acr, "ACR");
    } else {
      assertThatThrownBy(() -> TokenPolicy.requireHost(request(trusted), "registry", host(registry), acr, "ACR"))
          .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.reason()).isEqualTo(Reasons.NOT_PERMITTED));
    }
    // An administrator's host entry allows any port; a host:port entry only that port.
    TokenPolicy.requireHost(request(false, "evil.com"), "registry", host("evil.com:5000"), acr, "ACR");
    TokenPolicy.requireHost(request(false, "evil.com:5000"), "registry", host("evil.com:5000"), acr, "ACR");
    assertThatThrownBy(() -> TokenPolicy.requireHost(request(false, "evil.com:5000"), "registry", host("evil.com"), acr, "ACR"))
        .isInstanceOf(ProviderException.class);
  }

  @ParameterizedTest
  @CsvSource({
      "https://sts.googleapis.com/v1/token, true",
      "https://STS.googleapis.com:443/v1/token, true",
      "http://sts.googleapis.com/v1/token, false",
      "https://sts.googleapis.com:8443/v1/token, false",
      "https://user@sts.googleapis.com/v1/token, false",
      "https://sts.googleapis.com.evil.com/v1/token, false",
      "https://evil.com/sts.googleapis.com, false",
  })
  void googleEndpoints(String url, boolean ok) throws Exception {
    java.util.function.Predicate<java.net.URI> sts = u -> u.getHost().equalsIgnoreCase("sts.googleapis.com");
    if (ok) {
      TokenPolicy.requireEndpoint(request(false), "token_url", url, sts, "https://sts.googleapis.com/...");
    } else {
      assertThatThrownBy(() -> TokenPolicy.requireEndpoint(request(false), "token_url", url, sts, "https://sts.googleapis.com/..."))
          .isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.reason()).isIn(Reasons.NOT_PERMITTED, Reasons.INVALID_SOURCE);
            assertThat(e.retryable()).isFalse();
          });
    }
  }
}
