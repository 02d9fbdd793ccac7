package io.pullsecrets.operator.provider.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one registry-host parser: what every provider accepts as a registry, and the URLs made of it. */
class RegistryHostTest {

  @ParameterizedTest(name = "''{0}''")
  @CsvSource(delimiter = '|', value = {
      // value                          | name                     | host                 | port | base
      "gcr.io                           | gcr.io                   | gcr.io               | -1   | https://gcr.io",
      "' https://GCR.io/ '              | GCR.io                   | gcr.io               | -1   | https://GCR.io",
      "http://myregistry.azurecr.io//   | myregistry.azurecr.io    | myregistry.azurecr.io | -1  | https://myregistry.azurecr.io",
      "HTTPS://registry.example:5000    | registry.example:5000    | registry.example     | 5000 | https://registry.example:5000",
      "127.0.0.1:5000                   | 127.0.0.1:5000           | 127.0.0.1            | 5000 | http://127.0.0.1:5000",
      "localhost                        | localhost                | localhost            | -1   | http://localhost",
      "[::1]:5000                       | [::1]:5000               | ::1                  | 5000 | http://[::1]:5000",
      "[2001:db8::1]                    | [2001:db8::1]            | 2001:db8::1          | -1   | https://[2001:db8::1]",
  })
  void parsesHostAndPort(String value, String name, String host, int port, String base) {
    RegistryHost r = RegistryHost.parse(value).orElseThrow();
    assertThat(r.name()).isEqualTo(name);
    assertThat(r.host()).isEqualTo(host);
    assertThat(r.port()).isEqualTo(port);
    assertThat(r.base()).hasToString(base);
    assertThat(r.resolve("/oauth2/exchange")).hasToString(base + "/oauth2/exchange");
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(strings = {"", "   ", "https://", "gcr.io/project/image", "https://gcr.io/project", "my registry.io",
      "user@evil.com", "gcr.io?x=1", "gcr.io:https", "gcr.io:99999", "[::1", "ftp://gcr.io"})
  void refusesWhatIsNotAHostWithAPort(String value) {
    assertThat(RegistryHost.parse(value)).isEqualTo(Optional.empty());
  }

  @ParameterizedTest(name = "''{0}'' -> {1}")
  @CsvSource({
      "localhost:5000, 5000",
      "127.0.0.1, 80",
      "[::1], 80",
      "gcr.io, 443",
  })
  void theEffectivePortIsDockers(String value, int port) {
    assertThat(RegistryHost.parse(value).orElseThrow().effectivePort()).isEqualTo(port);
  }

  /** Docker config keys keep their own scheme. */
  @ParameterizedTest(name = "''{0}''")
  @CsvSource({
      "gcr.io, https://gcr.io/v2/",
      "localhost:5000, http://localhost:5000/v2/",
      "http://registry.local:5000, http://registry.local:5000/v2/",
  })
  void urlsOfDockerConfigKeys(String key, String url) {
    assertThat(RegistryHost.url(key, "/v2/")).hasToString(url);
  }
}
