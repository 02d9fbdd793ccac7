package io.pullsecrets.operator.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Java main class in a child JVM that sees a private {@code /etc/hosts} and a private
 * network: {@code unshare --mount --net} (with {@code --user --map-root-user} when not root),
 * the loopback interface up with {@link #ADDRESS} added to it, and {@code hosts} bind-mounted
 * over {@code /etc/hosts}. So the child's name lookups go through the system resolver (glibc's
 * getaddrinfo, as {@code InetAddress.getAllByName} in production) and return what the file says,
 * and its stubs can listen on an address that is neither loopback nor link-local.
 */
final class ResolverSandbox {
  /** An address of the child's own (RFC 2544 benchmarking range): allowed, and reachable only there. */
  static final String ADDRESS = "198.18.0.1";
  static final String REQUIRE = "PULLSECRET_REQUIRE_UNSHARE";
  private static final String HOW = "needs unshare (util-linux) and ip (iproute2), run as root or with unprivileged user"
      + " namespaces, for a private /etc/hosts and network";

  private ResolverSandbox() {}

  private static List<String> unshare() {
    boolean root = "root".equals(System.getProperty("user.name"));
    List<String> cmd = new ArrayList<>(List.of("unshare"));
    if (!root) {
      cmd.addAll(List.of("--user", "--map-root-user"));
    }
    cmd.addAll(List.of("--mount", "--net", "sh", "-ec",
        "ip link set lo up; ip addr add " + ADDRESS + "/32 dev lo; mount --bind \"$0\" /etc/hosts; exec \"$@\""));
    return cmd;
  }

  /** Null when a sandbox can be made here, else why not. */
  static String unavailable() {
    try {
      Path hosts = Files.createTempFile("hosts", "");
      Files.writeString(hosts, "127.0.0.1 localhost\n198.18.0.1 sandbox.test\n");
      Output out = run(hosts, List.of("getent", "hosts", "sandbox.test"));
      return out.exit() == 0 && out.stdout().startsWith(ADDRESS) ? null
          : HOW + "; here it fails (exit " + out.exit() + "): " + out.stderr().strip();
    } catch (IOException | InterruptedException e) {
      return HOW + "; here: " + e;
    }
  }

  record Output(int exit, String stdout, String stderr) {}

  /** Runs {@code command} in the sandbox with {@code hosts} as /etc/hosts (written in place by the child if it wants). */
  static Output run(Path hosts, List<String> command) throws IOException, InterruptedException {
    List<String> cmd = unshare();
    cmd.add(hosts.toString());
    cmd.addAll(command);
    Path err = Files.createTempFile("sandbox", ".err");
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
    }
    String stderr = Files.readString(err);
    Files.delete(err);
    return new Output(p.exitValue(), stdout, stderr);
  }

  /** Runs {@code main} of {@code mainClass} (on this JVM's class path) in the sandbox. */
  static Output java(Path hosts, Class<?> mainClass, List<String> jvmOptions, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path")));
    cmd.addAll(jvmOptions);
    cmd.add(mainClass.getName());
    cmd.addAll(List.of(args));
    return run(hosts, cmd);
  }
}
