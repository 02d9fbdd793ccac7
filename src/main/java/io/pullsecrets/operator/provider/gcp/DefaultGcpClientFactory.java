package io.pullsecrets.operator.provider.gcp;

import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.auth.http.HttpTransportFactory;
import com.google.auth.oauth2.GoogleCredentials;
import java.io.IOException;
import java.util.Objects;

/**
 * One shared {@link NetHttpTransport} (or the given one, for example with a custom trust store
 * or proxy); token endpoints come from the credential JSON ({@code token_uri}, {@code token_url},
 * {@code service_account_impersonation_url}) as users configure them.
 */
public final class DefaultGcpClientFactory implements GcpClientFactory {
  private final HttpTransport transport;

  public DefaultGcpClientFactory() {
    this(new NetHttpTransport());
  }

  public DefaultGcpClientFactory(HttpTransport transport) {
    this.transport = Objects.requireNonNull(transport, "transport");
  }

  @Override
  public HttpTransportFactory transport() {
    return () -> transport;
  }

  @Override
  public GoogleCredentials ambient() throws IOException {
    return GoogleCredentials.getApplicationDefault(transport());
  }
}
