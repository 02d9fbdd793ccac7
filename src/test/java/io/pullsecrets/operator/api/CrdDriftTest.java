package io.pullsecrets.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The committed CRD must be exactly what the build generates from the Java classes. */
class CrdDriftTest {
  static final String FILE = "registrycredentials.pullsecrets.io-v1.yml";
  static final String CLUSTER_FILE = "clusterregistrycredentials.pullsecrets.io-v1.yml";

  @ParameterizedTest
  @ValueSource(strings = {FILE, CLUSTER_FILE})
  void committedCrdMatchesTheGeneratedOne(String file) throws Exception {
    Path generated = Path.of("target/classes/META-INF/fabric8", file);
    assertThat(generated).as("the build generates the CRD (crd-generator-maven-plugin)").exists();
    assertThat(Files.readString(Path.of("crds", file)))
        .as("crds/%s is stale: run hack/update-crds.sh", file)
        .isEqualTo(CrdFinisher.finish(Files.readString(generated)));
  }

  @Test
  void clusterCrdIsClusterScopedWithTheSameSpecAndItsSourceNamespace() throws Exception {
    String crd = Files.readString(Path.of("crds", CLUSTER_FILE));
    assertThat(crd).contains("scope: \"Cluster\"", "- \"cregcred\"", "kind: \"ClusterRegistryCredential\"",
        "sourceNamespace:", "name: \"READY\"", "exactly one provider must be set",
        "at most one of names, all and selector may be set");
  }

  @Test
  void crdHasWhatKubectlUsersSee() throws Exception {
    String crd = Files.readString(Path.of("crds", FILE));
    assertThat(crd).contains("- \"regcred\"", "status: {}", "name: \"PROVIDER\"", "name: \"READY\"",
        "name: \"SYNCED\"", "name: \"EXPIRES\"", "name: \"AGE\"", "exactly one provider must be set",
        "at most one of names, all and selector may be set");
  }
}
