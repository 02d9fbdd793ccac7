package io.pullsecrets.operator.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The operator's container image as users get it (Jib, pom.xml), built by {@code hack/image.sh}
 * on the Debian JRE base and pushed to the node's registry: once per JVM and tag.
 */
public final class OperatorImage {
  public static final Path SCRIPT = Path.of("hack/image.sh").toAbsolutePath();
  private static final java.util.Map<String, String> BUILT = new java.util.HashMap<>();

  private OperatorImage() {}

  /** The reference (registry/pullsecret-operator:tag) of the image built from this checkout. */
  public static synchronized String get(Node node, String tag) {
    return BUILT.computeIfAbsent(tag, t -> build(node, t));
  }

  private static String build(Node node, String tag) {
    long t0 = System.nanoTime();
    Path log = node.controlPlane.dir.resolve("image-script.log");
    List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString(), node.controlPlane.dir.toString(), tag));
    return Cli.unchecked(() -> {
      Path out = Files.createTempFile(node.controlPlane.dir, "image-out", ".txt");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile())
          .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
      Process p = pb.start();
      if (!p.waitFor(20, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("hack/image.sh timed out; see " + log);
      }
      if (p.exitValue() != 0) {
        List<String> lines = Files.readAllLines(log);
        throw new IllegalStateException("hack/image.sh failed: "
            + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
      }
      String ref = Files.readString(out, StandardCharsets.UTF_8).trim();
      Files.deleteIfExists(out);
      System.out.printf("[image] %s built and pushed in %.1f s%n", ref, (System.nanoTime() - t0) / 1e9);
      return ref;
    });
  }
}
