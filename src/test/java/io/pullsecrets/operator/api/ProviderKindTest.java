package io.pullsecrets.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.generator.annotation.ValidationRule;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderRegistry;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A provider is its spec, its package and one {@link ProviderKind} line: the CRD's one-provider
 * rule, {@link ProviderSpec#configured()} and the providers' names all follow that list.
 */
class ProviderKindTest {
  @Test
  void theCrdRuleNamesEveryKind() {
    ValidationRule rule = ProviderSpec.class.getAnnotation(ValidationRule.class);

    assertThat(rule.value()).isEqualTo(ProviderKind.ONE_PROVIDER_RULE).isEqualTo(ProviderKind.oneProviderRule());
  }

  @Test
  void everyProviderFieldOfTheSpecHasAKindThatReadsIt() {
    List<String> fields = Arrays.stream(ProviderSpec.class.getDeclaredFields()).map(ProviderKindTest::jsonName).toList();

    assertThat(Arrays.stream(ProviderKind.values()).map(ProviderKind::field)).containsExactlyElementsOf(fields);
    for (ProviderKind k : ProviderKind.values()) {
      ProviderSpec spec = new ProviderSpec();
      set(spec, k);
      assertThat(spec.configured()).as(k.name()).containsExactly(k.field());
    }
  }

  @Test
  void everyKindHasExactlyOneShippedProvider() {
    List<ProviderKind> shipped;
    try (var client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().build()) { // never connects here
      shipped = ProviderRegistry.defaults(client).providers().stream().map(CredentialProvider::kind).toList();
    }

    assertThat(shipped).containsExactly(ProviderKind.values());
  }

  private static String jsonName(Field f) {
    com.fasterxml.jackson.annotation.JsonProperty p = f.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
    return p != null ? p.value() : f.getName();
  }

  /** Sets the field of {@code k} to an empty spec of its type. */
  private static void set(ProviderSpec spec, ProviderKind k) {
    for (Field f : ProviderSpec.class.getDeclaredFields()) {
      if (jsonName(f).equals(k.field())) {
        try {
          f.setAccessible(true);
          f.set(spec, f.getType().getDeclaredConstructor().newInstance());
          return;
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      }
    }
    throw new AssertionError("no field " + k.field());
  }
}
