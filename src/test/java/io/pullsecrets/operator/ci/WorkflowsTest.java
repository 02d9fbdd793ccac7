package io.pullsecrets.operator.ci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The GitHub Actions workflows, which nothing can run here: every file parses as YAML and has the
 * shape of a workflow; the release workflow builds and tests like ci.yml, then pushes a multi-arch
 * image (Jib) with provenance and an SBOM to ghcr.io, the chart as an OCI artifact and a GitHub release,
 * with least permissions. actionlint, when installed (.ci/run installs it into .ci/bin), checks
 * them as GitHub would (expressions, needs, job outputs, shell scripts).
 */
class WorkflowsTest {
  static final Path WORKFLOWS = Path.of(".github/workflows");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** owner/action@vN (a major version, as ci.yml pins them) or @<40-hex commit>. */
  static final String PINNED = "^[\\w.-]+/[\\w./-]+@(v\\d+|[0-9a-f]{40})$";

  static List<Path> workflows() throws IOException {
    try (Stream<Path> files = Files.list(WORKFLOWS)) {
      return files.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  static JsonNode read(Path p) throws IOException {
    return YAML.readTree(p.toFile());
  }

  @Test
  void everyWorkflowParsesAndPinsActionsToAMajorVersion() throws IOException {
    List<Path> files = workflows();
    assertThat(files).extracting(p -> p.getFileName().toString()).contains("ci.yml", "release.yml");
    for (Path f : files) {
      JsonNode w = read(f);
      assertThat(w.isObject()).as("%s is a YAML mapping", f).isTrue();
      assertThat(w.has("on")).as("%s has a trigger (on:)", f).isTrue();
      assertThat(w.path("jobs").size()).as("%s has jobs", f).isPositive();
      w.path("jobs").fields().forEachRemaining(job -> {
        String where = f.getFileName() + " job " + job.getKey();
        assertThat(job.getValue().path("runs-on").asText()).as("%s runs-on", where).isNotBlank();
        assertThat(job.getValue().path("timeout-minutes").asInt()).as("%s timeout-minutes", where).isPositive();
        JsonNode steps = job.getValue().path("steps");
        assertThat(steps.size()).as("%s has steps", where).isPositive();
        for (JsonNode s : steps) {
          assertThat(s.has("uses") || s.has("run")).as("%s: every step uses an action or runs a command", where).isTrue();
          if (s.has("uses")) {
            assertThat(s.path("uses").asText()).as("%s pins its action", where).matches(PINNED);
          }
        }
        job.getValue().path("permissions").fields().forEachRemaining(perm ->
            assertThat(perm.getValue().asText()).as("%s permission %s", where, perm.getKey()).isIn("read", "write", "none"));
      });
      assertThat(w.path("permissions").asText()).as("%s: no write-all", f).isNotEqualTo("write-all");
    }
  }

  @Test
  void releaseWorkflowBuildsTestsAndPublishesTheImageChartAndRelease() throws IOException {
    JsonNode w = read(WORKFLOWS.resolve("release.yml"));
    // Only version tags trigger it.
    assertThat(w.path("on").fieldNames()).toIterable().containsExactly("push");
    assertThat(w.path("on").path("push").path("tags")).extracting(JsonNode::asText).containsExactly("v*");
    assertThat(w.path("on").path("push").has("branches")).isFalse();
    // Least privilege: nothing at the top, each job its own.
    assertThat(w.path("permissions").isObject() && w.path("permissions").isEmpty()).as("top-level permissions: {}").isTrue();

    JsonNode jobs = w.path("jobs");
    // Build and test exactly as ci.yml does.
    JsonNode ciVerify = read(WORKFLOWS.resolve("ci.yml")).path("jobs").path("verify");
    assertThat(runs(jobs.path("verify"))).contains("sudo -E env \"PATH=$PATH\" bash .ci/run");
    assertThat(runs(jobs.path("verify"))).isEqualTo(runs(ciVerify));
    assertThat(permissions(jobs.path("verify"))).isEqualTo(Map.of("contents", "read"));

    // The image: only after the tests, built by Jib from pom.xml (the one image definition, FROM
    // Temurin), multi-arch, pushed to ghcr.io with provenance and an SBOM attested.
    JsonNode image = jobs.path("image");
    assertThat(needs(image)).contains("verify");
    String imageRuns = String.join("\n", runs(image));
    assertThat(imageRuns).contains("jib:build").contains("-Djib.from.image=eclipse-temurin:17-jre")
        .contains("-Djib.from.platforms=linux/amd64,linux/arm64")
        .contains("-Djib.to.image=\"ghcr.io/$OWNER/pullsecret-operator:$VERSION\"")
        .contains("target/jib-image.digest");
    assertThat(step(image, "docker/login-action@").path("with").path("registry").asText()).isEqualTo("ghcr.io");
    assertThat(step(image, "actions/attest-build-provenance@").path("with").path("push-to-registry").asBoolean()).isTrue();
    assertThat(step(image, "actions/attest-sbom@").path("with").path("sbom-path").asText()).isEqualTo("sbom.spdx.json");
    assertThat(permissions(image)).isEqualTo(Map.of("contents", "read", "packages", "write", "id-token", "write",
        "attestations", "write"));
    // ci.yml builds the same definition on the same base on every push.
    assertThat(String.join("\n", runs(read(WORKFLOWS.resolve("ci.yml")).path("jobs").path("image"))))
        .contains("jib:buildTar -Djib.from.image=eclipse-temurin:17-jre");

    // The chart: packaged with the tag's version, pushed as an OCI artifact to ghcr.io/<owner>/charts.
    JsonNode chart = jobs.path("chart");
    assertThat(needs(chart)).contains("image");
    String chartRuns = String.join("\n", runs(chart));
    assertThat(chartRuns).contains("helm package helm/pullsecret-operator --version \"$VERSION\" --app-version \"$VERSION\"")
        .contains("helm push dist/pullsecret-operator-*.tgz \"oci://ghcr.io/$OWNER/charts\"")
        .contains("helm registry login ghcr.io");
    assertThat(permissions(chart)).isEqualTo(Map.of("contents", "read", "packages", "write"));

    // The GitHub release: the only job that writes contents.
    JsonNode release = jobs.path("release");
    assertThat(needs(release)).contains("chart", "image");
    assertThat(String.join("\n", runs(release))).contains("gh release create \"$TAG\"");
    assertThat(permissions(release)).isEqualTo(Map.of("contents", "write"));

    // id-token: write only where something signs or attests with an OIDC token.
    jobs.fields().forEachRemaining(job -> {
      if (permissions(job.getValue()).containsKey("id-token")) {
        assertThat(job.getValue().path("steps").findValuesAsText("uses"))
            .as("job %s asks for id-token but uses no signer", job.getKey())
            .anyMatch(u -> u.startsWith("sigstore/cosign-installer@") || u.startsWith("actions/attest"));
      }
      if (!job.getKey().equals("release")) {
        assertThat(permissions(job.getValue())).as("job %s", job.getKey()).doesNotContainEntry("contents", "write");
      }
    });
  }

  @Test
  void actionlintFindsNothing() throws Exception {
    String actionlint = actionlint();
    List<String> cmd = new ArrayList<>(List.of(actionlint, "-no-color"));
    for (Path f : workflows()) {
      cmd.add(f.toString());
    }
    Path out = Files.createTempFile("actionlint", ".out");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("actionlint did not finish within 120 s");
    }
    String report = Files.readString(out, StandardCharsets.UTF_8);
    Files.deleteIfExists(out);
    assertThat(p.exitValue()).as("actionlint:\n%s", report).isZero();
  }

  /** actionlint from ACTIONLINT, .ci/bin or PATH; without it this test is skipped with a message. */
  static String actionlint() {
    List<Path> candidates = new ArrayList<>();
    String env = System.getenv("ACTIONLINT");
    if (env != null && !env.isBlank()) {
      candidates.add(Path.of(env));
    }
    candidates.add(Path.of(".ci/bin/actionlint"));
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        candidates.add(Path.of(dir, "actionlint"));
      }
    }
    for (Path c : candidates) {
      if (Files.isExecutable(c)) {
        return c.toString();
      }
    }
    String message = "actionlint is not installed (not in .ci/bin or on PATH, ACTIONLINT not set): the workflow lint is skipped; "
        + "install it with GOBIN=$PWD/.ci/bin GOFLAGS=-mod=mod go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 "
        + "(.ci/run does)";
    if ("true".equalsIgnoreCase(System.getenv("PULLSECRET_REQUIRE_ACTIONLINT"))) {
      fail(message + " [PULLSECRET_REQUIRE_ACTIONLINT=true]");
    }
    Assumptions.abort(message);
    return null;
  }

  private static JsonNode step(JsonNode job, String usesPrefix) {
    List<JsonNode> found = new ArrayList<>();
    job.path("steps").forEach(s -> {
      if (s.path("uses").asText().startsWith(usesPrefix)) {
        found.add(s);
      }
    });
    assertThat(found).as("one step uses %s", usesPrefix).hasSize(1);
    return found.get(0);
  }

  private static List<String> runs(JsonNode job) {
    List<String> runs = new ArrayList<>();
    job.path("steps").forEach(s -> {
      if (s.has("run")) {
        runs.add(s.path("run").asText());
      }
    });
    return runs;
  }

  private static List<String> needs(JsonNode job) {
    JsonNode n = job.path("needs");
    List<String> out = new ArrayList<>();
    if (n.isTextual()) {
      out.add(n.asText());
    } else {
      n.forEach(x -> out.add(x.asText()));
    }
    return out;
  }

  private static Map<String, String> permissions(JsonNode job) {
    Map<String, String> out = new java.util.TreeMap<>();
    job.path("permissions").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }
}
