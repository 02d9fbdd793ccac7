package io.pullsecrets.operator.provider.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** A stub's own failed assertion fails the test, even where the 599 it answers looked like a provider failure. */
class StubServerTest {

  static int get(StubServer stub) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(stub.url() + "/x")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void aFailedAssertionInTheHandlerIsRethrownByVerifyAndClose() throws Exception {
    StubServer stub = StubServer.http().handler(r -> {
      assertThat(r.method()).as("the stub's check").isEqualTo("POST");
      return StubServer.Response.json(200, "{}");
    });
    assertThat(get(stub)).isEqualTo(599);
    assertThatThrownBy(stub::verify).isInstanceOf(AssertionError.class).hasMessageContaining("the stub's check");
    stub.verify(); // reported once
    assertThat(get(stub)).isEqualTo(599);
    assertThatThrownBy(stub::close).isInstanceOf(AssertionError.class).hasMessageContaining("rejected a request");
  }

  @Test
  void aStubThatAcceptedEverythingClosesQuietly() throws Exception {
    try (StubServer stub = StubServer.http().handler(r -> StubServer.Response.json(200, "{}"))) {
      assertThat(get(stub)).isEqualTo(200);
    }
  }
}
