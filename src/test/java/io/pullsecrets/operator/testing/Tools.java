package io.pullsecrets.operator.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Programs a test runs from PATH (promtool, mkdocs, docker-registry, ...), and what happens when one is missing. */
public final class Tools {
  private Tools() {}

  /** The path of the executable {@code name} on PATH, or null. */
  public static String onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, name))) {
        return Path.of(dir, name).toString();
      }
    }
    return null;
  }

  /**
   * The path of {@code name} on PATH; when it is missing, the calling test fails with {@code
   * message} if the environment variable {@code requiredBy} is true (CI sets it), and is skipped
   * otherwise.
   */
  public static String require(String name, String requiredBy, String message) {
    String path = onPath(name);
    if (path == null) {
      unavailable(requiredBy, message);
    }
    return path;
  }

  /** Fails the calling test with {@code message} if the environment variable {@code requiredBy} is true, skips it otherwise. */
  public static void unavailable(String requiredBy, String message) {
    if ("true".equalsIgnoreCase(System.getenv(requiredBy))) {
      Assertions.fail(message);
    }
    Assumptions.abort(message);
  }
}
