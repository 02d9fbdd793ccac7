package io.pullsecrets.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pullsecrets.operator.testing.OnRealControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's write count on a real API server whose audit log rotates: a control plane of
 * its own with {@code PULLSECRET_AUDIT_LOG_MAXSIZE=1} (MB), writes until the log has rotated
 * twice, and the count taken across the rotated files is exact.
 */
@OnRealControlPlane
class AuditRotationTest {

  @Test
  void countsEveryWriteAcrossRotatedAuditFiles() throws Exception {
    Path dir = Path.of("target/audit-rotation-cp");
    try (BenchServer.Real api = BenchServer.Real.up(dir, System.out::println, Map.of("PULLSECRET_AUDIT_LOG_MAXSIZE", "1"))) {
      api.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("audit").endMetadata().build())
          .create();
      Benchmark.Options o = new Benchmark.Options();
      o.server = "real";
      o.api = api.childApi();
      api.clearRequests();
      int writes = 0;
      try (KubernetesClient child = Benchmark.childClient(o)) {
        while (rotated(dir) < 2) {
          for (int i = 0; i < 100; i++, writes++) {
            child.configMaps().inNamespace("audit").resource(new ConfigMapBuilder().withNewMetadata()
                .withName(String.format("written-%05d", writes)).endMetadata().addToData("k", "v").build()).create();
          }
        }
      }
      assertThat(writes).isGreaterThan(1000);
      assertThat(api.operatorWrites()).hasSize(writes)
          .allSatisfy(w -> assertThat(w.method()).isEqualTo("POST"));
    }
  }

  private static long rotated(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("audit-\\d.*\\.log")).count();
    }
  }
}
