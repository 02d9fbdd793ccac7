package io.pullsecrets.operator.node;

import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory of a pod's Java process as the node sees it, read on this host (the node's kubelet
 * runs here, and the API server's kubelet client cannot exec into the pod): the process's
 * {@code VmRSS} and {@code VmHWM} (its peak RSS) from {@code /proc/PID/status}, and its
 * container's memory cgroup (the limit the kernel enforces, usage, peak usage, and how often the
 * limit was hit), cgroup v1 or v2.
 *
 * @param pid the Java process's PID on the host
 * @param rssBytes its resident memory now
 * @param peakRssBytes its resident memory at its highest
 * @param cgroup its memory cgroup's folder on the host
 * @param limitBytes the cgroup's limit ({@code memory.limit_in_bytes}, {@code memory.max}); -1 when none
 * @param usageBytes the cgroup's usage now (with page cache)
 * @param peakUsageBytes the cgroup's highest usage ({@code memory.max_usage_in_bytes},
 *     {@code memory.peak}); -1 where the kernel does not keep it
 * @param limitHits times the cgroup reached its limit ({@code memory.failcnt}) or, on v2, the
 *     OOM kills in it ({@code memory.events} oom_kill)
 */
record ContainerMemory(long pid, long rssBytes, long peakRssBytes, Path cgroup, long limitBytes, long usageBytes,
    long peakUsageBytes, long limitHits) {
  static final Path PROC = Path.of("/proc");
  static final Path CGROUP = Path.of("/sys/fs/cgroup");
  static final long MIB = 1024 * 1024;

  /** The memory of the {@code java} process in the pod's (first) container. */
  static ContainerMemory of(Pod pod) throws IOException {
    String id = pod.getStatus().getContainerStatuses().get(0).getContainerID();
    if (id == null || !id.contains("://")) {
      throw new IllegalStateException("no container ID in the pod's status: " + id);
    }
    return ofContainer(id.substring(id.indexOf("://") + 3));
  }

  static ContainerMemory ofContainer(String containerId) throws IOException {
    long pid = javaPid(containerId);
    String status = Files.readString(PROC.resolve(pid + "/status"), StandardCharsets.UTF_8);
    Path dir = memoryCgroup(Files.readAllLines(PROC.resolve(pid + "/cgroup")));
    if (Files.exists(dir.resolve("memory.limit_in_bytes"))) {
      long limit = number(dir, "memory.limit_in_bytes");
      return new ContainerMemory(pid, kib(status, "VmRSS"), kib(status, "VmHWM"), dir,
          limit >= Long.MAX_VALUE / 2 ? -1 : limit, number(dir, "memory.usage_in_bytes"),
          number(dir, "memory.max_usage_in_bytes"), number(dir, "memory.failcnt"));
    }
    String max = Files.readString(dir.resolve("memory.max")).trim();
    long ooms = Files.readAllLines(dir.resolve("memory.events")).stream().filter(l -> l.startsWith("oom_kill "))
        .mapToLong(l -> Long.parseLong(l.substring(9).trim())).sum();
    return new ContainerMemory(pid, kib(status, "VmRSS"), kib(status, "VmHWM"), dir,
        "max".equals(max) ? -1 : Long.parseLong(max), number(dir, "memory.current"),
        Files.exists(dir.resolve("memory.peak")) ? number(dir, "memory.peak") : -1, ooms);
  }

  /** The host PID of the process named {@code java} whose cgroup path names the container. */
  static long javaPid(String containerId) throws IOException {
    List<Long> found = new ArrayList<>();
    try (var dirs = Files.list(PROC)) {
      for (Path p : dirs.filter(d -> d.getFileName().toString().matches("[0-9]+")).toList()) {
        try {
          if (Files.readString(p.resolve("cgroup")).contains(containerId)
              && "java".equals(Files.readString(p.resolve("comm")).trim())) {
            found.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException gone) {
          // The process exited while the list was read.
        }
      }
    }
    if (found.size() != 1) {
      throw new IllegalStateException("expected one java process in container " + containerId + ", found " + found);
    }
    return found.get(0);
  }

  /** The folder of the memory controller's cgroup in a {@code /proc/PID/cgroup} listing. */
  static Path memoryCgroup(List<String> lines) {
    for (String l : lines) {
      String[] f = l.split(":", 3);
      if (f.length == 3 && List.of(f[1].split(",")).contains("memory")) {
        return CGROUP.resolve("memory").resolve(f[2].substring(1));
      }
    }
    for (String l : lines) {
      if (l.startsWith("0::")) {
        return CGROUP.resolve(l.substring(4));
      }
    }
    throw new IllegalStateException("no memory cgroup in " + lines);
  }

  static long number(Path dir, String file) throws IOException {
    return Long.parseLong(Files.readString(dir.resolve(file)).trim());
  }

  /** A {@code /proc/PID/status} field given in kB, in bytes. */
  static long kib(String status, String field) {
    return status.lines().filter(l -> l.startsWith(field + ":")).findFirst()
        .map(l -> Long.parseLong(l.substring(field.length() + 1).replace("kB", "").trim()) * 1024)
        .orElseThrow(() -> new IllegalStateException("no " + field + " in /proc/PID/status"));
  }

  static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.valueOf(Math.round(bytes / (double) MIB));
  }

  /** The figures as KEY=VALUE pairs in MiB (for the test's output and docs/sizing.md). */
  @Override
  public String toString() {
    return String.format("POD_RSS_MIB=%s POD_PEAK_RSS_MIB=%s CGROUP_USAGE_MIB=%s CGROUP_PEAK_MIB=%s CGROUP_LIMIT_MIB=%s"
        + " CGROUP_LIMIT_HITS=%d", mib(rssBytes), mib(peakRssBytes), mib(usageBytes), mib(peakUsageBytes), mib(limitBytes),
        limitHits);
  }
}
