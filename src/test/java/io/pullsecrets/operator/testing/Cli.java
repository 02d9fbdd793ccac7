package io.pullsecrets.operator.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs {@code kubectl} or {@code helm} as a user would, against a kubeconfig. The binaries come
 * from PATH or {@code .ci/bin} (where .ci/run installs them); without them the test is skipped,
 * unless PULLSECRET_REQUIRE_HELM=true (CI), when it fails.
 */
public final class Cli {
  public record Result(int exitCode, String stdout, String stderr) {
    public Result ok() {
      if (exitCode != 0) {
        throw new AssertionError("exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
      }
      return this;
    }
  }

  private Cli() {}

  public static String binary(String name) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(File.pathSeparator)));
    }
    dirs.add(".ci/bin");
    for (String dir : dirs) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p.toAbsolutePath().toString();
      }
    }
    String message = name + " is not installed (not on PATH nor in .ci/bin): .ci/run installs it";
    if ("true".equalsIgnoreCase(System.getenv("PULLSECRET_REQUIRE_HELM"))) {
      fail(message + " [PULLSECRET_REQUIRE_HELM=true]");
    }
    Assumptions.abort(message);
    return null;
  }

  /** A row of kubectl's table as header -> cell, cut at the header's column offsets. */
  public static Map<String, String> row(String table, String name) {
    List<String> lines = table.lines().toList();
    String header = lines.get(0);
    List<Integer> starts = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\S+( \\S+)*").matcher(header);
    List<String> names = new ArrayList<>();
    while (m.find()) {
      starts.add(m.start());
      names.add(m.group());
    }
    String line = lines.stream().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow();
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      int from = Math.min(starts.get(i), line.length());
      int to = i + 1 < names.size() ? Math.min(starts.get(i + 1), line.length()) : line.length();
      out.put(names.get(i), line.substring(from, to).trim());
    }
    return out;
  }

  public static Result kubectl(Path kubeconfig, String... args) {
    return run(binary("kubectl"), kubeconfig, null, List.of(args));
  }

  /** kubectl with {@code stdin} as the file of {@code -f -}. */
  public static Result kubectlStdin(Path kubeconfig, String stdin, String... args) {
    return run(binary("kubectl"), kubeconfig, stdin, List.of(args));
  }

  public static Result helm(Path kubeconfig, String... args) {
    return run(binary("helm"), kubeconfig, null, List.of(args));
  }

  private static Result run(String binary, Path kubeconfig, String stdin, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary);
    cmd.addAll(args);
    return unchecked(() -> {
      Path out = Files.createTempFile("cli", ".out");
      Path err = Files.createTempFile("cli", ".err");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
      Map<String, String> env = pb.environment();
      env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
      // helm keeps caches and config under HOME; keep them out of the user's.
      Path home = Path.of("target/cli-home").toAbsolutePath();
      Files.createDirectories(home);
      env.put("HELM_CACHE_HOME", home.resolve("cache").toString());
      env.put("HELM_CONFIG_HOME", home.resolve("config").toString());
      env.put("HELM_DATA_HOME", home.resolve("data").toString());
      Process p = pb.start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(String.join(" ", cmd) + " did not finish in 120 s");
      }
      Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
      return r;
    });
  }

  /** Work with files and processes: what may fail, or be interrupted, while a test runs it. */
  public interface ProcessWork<T> {
    T run() throws IOException, InterruptedException;
  }

  /** Runs {@code work}; an IOException or an interruption (the flag kept) becomes an IllegalStateException. */
  public static <T> T unchecked(ProcessWork<T> work) {
    try {
      return work.run();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
