package io.pullsecrets.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The admission webhook decides from what a credential asks for ({@code spec/}) and the cached
 * cluster ({@code cluster/}), never from the reconciler's internals; {@code spec/} depends on
 * neither. Pull health ({@code health/}) reads the spec's serving rules and the cached cluster,
 * and is called by the reconciler, never the other way round.
 */
class PackageDependenciesTest {
  static final Path MAIN = Path.of("src/main/java/io/pullsecrets/operator");

  static List<String> importsOf(String pkg, String forbidden) throws IOException {
    try (Stream<Path> files = Files.list(MAIN.resolve(pkg))) {
      return files.filter(f -> f.toString().endsWith(".java")).flatMap(f -> {
        try {
          return Files.readAllLines(f).stream()
              .filter(l -> l.startsWith("import io.pullsecrets.operator." + forbidden + ".") || l.contains("io.pullsecrets.operator." + forbidden + "."))
              .map(l -> f.getFileName() + ": " + l.strip());
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).toList();
    }
  }

  @Test
  void theWebhookUsesNothingOfTheReconciler() throws IOException {
    assertThat(importsOf("webhook", "reconciler")).isEmpty();
  }

  @Test
  void theSpecPackageUsesNeitherTheReconcilerNorTheWebhook() throws IOException {
    assertThat(importsOf("spec", "reconciler")).isEmpty();
    assertThat(importsOf("spec", "webhook")).isEmpty();
  }

  @Test
  void pullHealthUsesNeitherTheReconcilerNorTheWebhook() throws IOException {
    assertThat(importsOf("health", "reconciler")).isEmpty();
    assertThat(importsOf("health", "webhook")).isEmpty();
  }
}
