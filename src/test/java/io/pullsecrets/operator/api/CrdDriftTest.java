package io.pullsecrets.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed CRD must be exactly what the build generates from the Java classes. */
class CrdDriftTest {
  static final String FILE = "registrycredentials.pullsecrets.io-v1.yml";

  @Test
  void committedCrdMatchesTheGeneratedOne() throws Exception {
    Path generated = Path.of("target/classes/META-INF/fabric8", FILE);
    assertThat(generated).as("the build generates the CRD (crd-generator-maven-plugin)").exists();
    assertThat(Files.readString(Path.of("crds", FILE)))
        .as("crds/%s is stale: run hack/update-crds.sh", FILE)
        .isEqualTo(CrdFinisher.finish(Files.readString(generated)));
  }

  @Test
  void crdHasWhatKubectlUsersSee() throws Exception {
    String crd = Files.readString(Path.of("crds", FILE));
    assertThat(crd).contains("- \"regcred\"", "status: {}", "name: \"PROVIDER\"", "name: \"READY\"",
        "name: \"SYNCED\"", "name: \"EXPIRES\"", "name: \"AGE\"", "exactly one provider must be set",
        "at most one of names, all and selector may be set");
  }
}
