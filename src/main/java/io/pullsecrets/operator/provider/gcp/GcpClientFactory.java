package io.pullsecrets.operator.provider.gcp;

import com.google.auth.http.HttpTransportFactory;
import com.google.auth.oauth2.GoogleCredentials;
import java.io.IOException;

/**
 * The HTTP transport and ambient credentials of the Google provider. Production:
 * {@link DefaultGcpClientFactory}.
 */
public interface GcpClientFactory {

  /** The transport every Google credential of this provider uses. */
  HttpTransportFactory transport();

  /** The operator's application default credentials (metadata server, GOOGLE_APPLICATION_CREDENTIALS). */
  GoogleCredentials ambient() throws IOException;
}
