package io.pullsecrets.operator.provider.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The confused deputy, the same for every provider that requests a token of a tenant's
 * ServiceAccount (ECR web identity, Azure workload identity, GCP external account): a tenant who
 * may create RegistryCredentials but not serviceaccounts/token names a ServiceAccount that never
 * opted in, one that does not exist, or an audience that would make the token good elsewhere (the
 * API server's, another cloud's). The provider refuses before any TokenRequest and sends nothing
 * to its cloud, also in a trusted namespace where a row says {@code true}.
 *
 * <p>A provider's test implements this with its own stubs; each test here runs for each of them.
 */
public interface ServiceAccountTokenRefusals {
  String AWS_AUDIENCE = "sts.amazonaws.com";
  String AZURE_AUDIENCE = "api://AzureADTokenExchange";
  /** The tests' GCP workload identity provider (project 123456, pool k8s). */
  String GCP_AUDIENCE = "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/k8s/providers/cluster";
  /** The audience of each cloud a provider sends a borrowed token to. */
  List<String> CLOUD_AUDIENCES = List.of(AWS_AUDIENCE, AZURE_AUDIENCE, GCP_AUDIENCE);

  /**
   * The provider under test, wired to its stubs.
   *
   * @param tokenApi the TokenRequest API the provider asks
   * @param cloud the stubs of the provider's cloud: none may receive a request
   * @param audienceField the field of the audience, as messages name it (for example {@code spec.provider.ecr.auth.webIdentity.audience})
   * @param ownAudience the audience of the provider's cloud, one of {@link #CLOUD_AUDIENCES}
   * @param fetch fetches the credential {@link Fixtures#NAME} of {@link Fixtures#NAMESPACE} whose auth
   *     borrows the token of a ServiceAccount for an audience (null: the provider's default)
   */
  record Borrower(MockTokenApi tokenApi, List<StubServer> cloud, String audienceField, String ownAudience, Fetch fetch) {}

  interface Fetch {
    Credential fetch(String serviceAccount, String audience, boolean trusted) throws Exception;
  }

  /** The provider under test, wired to the stubs of the current test. */
  Borrower borrower();

  private MockTokenApi tokenApi() {
    return borrower().tokenApi();
  }

  private Credential fetch(String serviceAccount, String audience, boolean trusted) throws Exception {
    return borrower().fetch().fetch(serviceAccount, audience, trusted);
  }

  private void assertNothingRequested() {
    assertThat(tokenApi().received).as("no TokenRequest").isEmpty();
    for (StubServer s : borrower().cloud()) {
      assertThat(s.requests()).as("requests to the cloud").isEmpty();
    }
  }

  @ParameterizedTest
  @CsvSource(nullValues = "null", value = {"false, null", "true, null", "false, 'other,another'", "false, ''", "true, ' '",
      "false, 'pull-other'", "true, 'pul'", "true, 'puller,pul'"})
  default void refusesAServiceAccountThatDidNotOptIn(boolean trusted, String annotation) {
    tokenApi().serviceAccount(Fixtures.NAMESPACE, "deployer", annotation, "deployer-token-do-not-leak");
    ProviderException e = Fixtures.refused(() -> fetch("deployer", null, trusted), Reasons.NOT_PERMITTED);
    assertThat(e.getMessage()).isEqualTo(Fixtures.NOT_OPTED_IN);
    assertNothingRequested();
  }

  @Test
  default void refusesAMissingServiceAccount() {
    ProviderException e = Fixtures.refused(() -> fetch("ghost", null, false), Reasons.NOT_PERMITTED);
    assertThat(e.getMessage()).contains("ServiceAccount 'ghost'", "pullsecrets.io/allowed-credentials: pull");
    assertNothingRequested();
  }

  /** An audience the API server accepts would turn the token into a Kubernetes credential: refused everywhere. */
  @ParameterizedTest
  @CsvSource({"false, https://kubernetes.default.svc", "true, https://kubernetes.default.svc.cluster.local",
      "true, kubernetes.default.svc", "true, kubernetes.default.svc.cluster.local"})
  default void refusesTheApiServersAudiences(boolean trusted, String audience) {
    tokenApi().serviceAccount(Fixtures.NAMESPACE, "puller", "*", "puller-token-do-not-leak");
    ProviderException e = Fixtures.refused(() -> fetch("puller", audience, trusted), Reasons.INVALID_SPEC);
    assertThat(e.getMessage()).contains(borrower().audienceField(), audience);
    assertNothingRequested();
  }

  /** Outside trusted namespaces the audience is the cloud's own, nothing near it, no other cloud's. */
  @ParameterizedTest
  @CsvSource({"evil", "https://sts.amazonaws.com", "api://AzureADTokenExchange/extra"})
  default void refusesForeignAudiences(String audience) {
    tokenApi().serviceAccount(Fixtures.NAMESPACE, "puller", "*", "puller-token-do-not-leak");
    ProviderException e = Fixtures.refused(() -> fetch("puller", audience, false), Reasons.NOT_PERMITTED);
    assertThat(e.getMessage()).contains(borrower().audienceField(), audience);
    assertNothingRequested();
  }

  @Test
  default void refusesTheOtherCloudsAudiences() {
    tokenApi().serviceAccount(Fixtures.NAMESPACE, "puller", "*", "puller-token-do-not-leak");
    assertThat(CLOUD_AUDIENCES).contains(borrower().ownAudience());
    for (String audience : CLOUD_AUDIENCES) {
      if (!audience.equals(borrower().ownAudience())) {
        ProviderException e = Fixtures.refused(() -> fetch("puller", audience, false), Reasons.NOT_PERMITTED);
        assertThat(e.getMessage()).as(audience).contains(borrower().audienceField(), audience);
      }
    }
    assertNothingRequested();
  }
}
