package io.pullsecrets.operator.provider.ecr;

import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.cloud.RegistryHost;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An ECR private registry host: {@code <account>.dkr.ecr[-fips].<region>.<partition domain>}, in lower case. */
record EcrRegistry(String host, String account, String region) {
  private static final Pattern HOST = Pattern.compile(
      "^(\\d{12})\\.dkr\\.ecr(?:-fips)?\\.([a-z0-9-]+)\\.(amazonaws\\.com|amazonaws\\.com\\.cn|amazonaws\\.eu"
          + "|c2s\\.ic\\.gov|sc2s\\.sgov\\.gov|cloud\\.adc-e\\.uk|csp\\.hci\\.ic\\.gov)$");

  static EcrRegistry parse(String value) throws ProviderException {
    String host = RegistryHost.parse(value).map(h -> h.lowerCase().name()).orElse("");
    Matcher m = HOST.matcher(host);
    if (!m.matches()) {
      throw ProviderException.invalid(Reasons.INVALID_SOURCE, "'" + value
          + "' is not an ECR private registry host (<account>.dkr.ecr.<region>.amazonaws.com)");
    }
    return new EcrRegistry(host, m.group(1), m.group(2));
  }

  /** Whether an ECR proxy endpoint (https://<host>) is this registry's. */
  boolean servedBy(String proxyEndpoint) {
    return RegistryHost.parse(proxyEndpoint).map(h -> h.lowerCase().name()).filter(host::equals).isPresent();
  }
}
