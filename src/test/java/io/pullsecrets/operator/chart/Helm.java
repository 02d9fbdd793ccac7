package io.pullsecrets.operator.chart;

import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the {@code helm} binary (from HELM, else PATH). Without it the chart tests are skipped with
 * a message, unless PULLSECRET_REQUIRE_HELM=true (as .ci/run sets), when they fail.
 */
public final class Helm {
  static final Path CHART = Path.of("helm/pullsecret-operator");
  static final String RELEASE = "pullsecret-operator";
  static final String NAMESPACE = "pullsecret-system";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  record Result(int exitCode, String stdout, String stderr) {}

  private Helm() {}

  static String binary() {
    String env = System.getenv("HELM");
    if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
      return env;
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path p = Path.of(dir, "helm");
        if (Files.isExecutable(p)) {
          return p.toString();
        }
      }
    }
    String message = "helm is not installed (not on PATH, HELM not set): the chart tests need it; "
        + ".ci/run installs it into .ci/bin (export PATH=$PWD/.ci/bin:$PATH)";
    if ("true".equalsIgnoreCase(System.getenv("PULLSECRET_REQUIRE_HELM"))) {
      fail(message + " [PULLSECRET_REQUIRE_HELM=true]");
    }
    Assumptions.abort(message);
    return null;
  }

  static Result run(List<String> args) {
    return run(args, List.of());
  }

  static Result run(List<String> args, List<String> env) {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary());
    cmd.addAll(args);
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      for (String kv : env) {
        pb.environment().put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
      }
      Path out = Files.createTempFile("helm", ".out");
      Path err = Files.createTempFile("helm", ".err");
      pb.redirectOutput(out.toFile()).redirectError(err.toFile());
      Process p = pb.start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("helm " + args + " did not finish within 60 s");
      }
      Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
      return r;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code helm template} of the chart with these extra arguments; fails the test if helm does. */
  public static List<HasMetadata> template(String... extra) {
    List<String> args = new ArrayList<>(List.of("template", RELEASE, CHART.toString(), "--namespace", NAMESPACE));
    args.addAll(List.of(extra));
    Result r = run(args);
    if (r.exitCode() != 0) {
      fail("helm template failed: " + r.stderr());
    }
    return parse(r.stdout());
  }

  static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      String body = doc.lines().filter(l -> !l.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
      if (body.isBlank()) {
        continue;
      }
      Object o = SERIALIZATION.unmarshal(doc);
      if (o instanceof HasMetadata h) {
        objects.add(h);
      }
    }
    return objects;
  }

  @SuppressWarnings("unchecked")
  static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(o -> (T) o).toList();
  }

  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
    List<T> found = all(objects, type).stream().filter(o -> o.getMetadata().getName().equals(name)).toList();
    if (found.size() != 1) {
      fail("expected one " + type.getSimpleName() + " " + name + ", found " + found.size());
    }
    return found.get(0);
  }
}
