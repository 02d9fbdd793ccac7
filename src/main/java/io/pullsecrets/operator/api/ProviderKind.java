package io.pullsecrets.operator.api;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The providers of {@code spec.provider}, one line each: the field's name (also the provider's
 * name in status, metrics and logs) and how to read the field. {@link ProviderSpec#configured()},
 * the CRD's one-provider rule ({@link #ONE_PROVIDER_RULE}, checked against this list by a test)
 * and each provider's {@code kind()} come from here.
 */
public enum ProviderKind {
  STATIC("static", ProviderSpec::getStatic),
  DOCKER_CONFIG("dockerConfig", ProviderSpec::getDockerConfig),
  ECR("ecr", ProviderSpec::getEcr),
  GCP("gcp", ProviderSpec::getGcp),
  AZURE("azure", ProviderSpec::getAzure),
  HARBOR("harbor", ProviderSpec::getHarbor),
  GITLAB("gitlab", ProviderSpec::getGitlab);

  /**
   * The CEL rule on {@code spec.provider}: exactly one field is set. An annotation needs a
   * constant, so it is written out; {@code ProviderKindTest} checks it names every kind.
   */
  public static final String ONE_PROVIDER_RULE =
      "[has(self.static), has(self.dockerConfig), has(self.ecr), has(self.gcp), has(self.azure), has(self.harbor), has(self.gitlab)].filter(x, x).size() == 1";

  private final String field;
  private final Function<ProviderSpec, Object> read;

  ProviderKind(String field, Function<ProviderSpec, Object> read) {
    this.field = field;
    this.read = read;
  }

  /** The field under {@code spec.provider}, e.g. {@code static}: the provider's name everywhere. */
  public String field() {
    return field;
  }

  /** Whether {@code spec} sets this provider's field. */
  public boolean isSet(ProviderSpec spec) {
    return read.apply(spec) != null;
  }

  /** The CEL rule that one and only one of the kinds is set, as {@link #ONE_PROVIDER_RULE} must read. */
  public static String oneProviderRule() {
    return Arrays.stream(values()).map(k -> "has(self." + k.field + ")").collect(Collectors.joining(", ", "[", "]"))
        + ".filter(x, x).size() == 1";
  }

  /** The kinds {@code spec} sets, in declaration order. */
  public static List<ProviderKind> setIn(ProviderSpec spec) {
    return Arrays.stream(values()).filter(k -> k.isSet(spec)).toList();
  }
}
