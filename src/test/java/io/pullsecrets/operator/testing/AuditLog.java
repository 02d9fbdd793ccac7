package io.pullsecrets.operator.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The API server's audit log as one stream of lines: the rotated files first, oldest first, then
 * the live file. kube-apiserver rotates {@code audit.log} (lumberjack) when it passes
 * {@code --audit-log-maxsize} MB (100 MB when that is 0) by renaming it to
 * {@code audit-<yyyy-MM-ddTHH-mm-ss.SSS>.log}, keeping every old file (no maxbackup, maxage or
 * compress set by hack/control-plane.sh), and writes each event whole into one file. So the rotated
 * files, sorted by name, followed by the live one, are the log from its start: an offset into that
 * stream ({@link #size()}) stays valid across rotations, and a reader counts every event once.
 */
public final class AuditLog {
  private final Path live;
  private final String prefix;
  private final String suffix;

  /** The log whose live file is {@code live}, e.g. {@code DIR/audit.log}. */
  public AuditLog(Path live) {
    this.live = live;
    String name = live.getFileName().toString();
    int dot = name.lastIndexOf('.');
    this.prefix = (dot < 0 ? name : name.substring(0, dot)) + "-";
    this.suffix = dot < 0 ? "" : name.substring(dot);
  }

  /** Complete lines from an offset on, and the offset after the last of them. */
  public record Lines(List<String> lines, long end) {}

  /** Bytes in the stream so far (rotated files and the live one): grows with every event. */
  public long size() {
    return files().stream().mapToLong(AuditLog::length).sum();
  }

  /** The complete lines from {@code from} (an earlier {@link #size()} or {@link Lines#end()}) on. */
  public Lines readFrom(long from) {
    while (true) {
      List<Path> files = files();
      Lines lines = readFrom(from, files);
      if (listing().equals(files)) {
        return lines;
      }
      // Rotated while being read: the live file read may be the new one; read again.
    }
  }

  private Lines readFrom(long from, List<Path> files) {
    List<String> out = new ArrayList<>();
    long start = 0;
    long end = from;
    for (Path f : files) {
      long length = length(f);
      if (start + length > from) {
        long skip = Math.max(0, from - start);
        byte[] bytes = read(f, skip, length - skip);
        int complete = bytes.length;
        while (complete > 0 && bytes[complete - 1] != '\n') {
          complete--; // a line being written (the live file only): next time
        }
        for (String line : new String(bytes, 0, complete, StandardCharsets.UTF_8).split("\n")) {
          if (!line.isBlank()) {
            out.add(line);
          }
        }
        end = start + skip + complete;
        if (complete < bytes.length) {
          break;
        }
      }
      start += length;
    }
    return new Lines(out, Math.max(end, from));
  }

  /**
   * The rotated files by name (their timestamps sort as text), then the live file. A rotation
   * between listing and reading would shift the offsets: the listing is taken again until two
   * agree.
   */
  List<Path> files() {
    List<Path> before = listing();
    while (true) {
      List<Path> again = listing();
      if (again.equals(before)) {
        return again;
      }
      before = again;
    }
  }

  private List<Path> listing() {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(live.toAbsolutePath().getParent())) {
      s.filter(p -> {
        String n = p.getFileName().toString();
        return n.startsWith(prefix) && n.endsWith(suffix) && n.length() > prefix.length() + suffix.length()
            && Character.isDigit(n.charAt(prefix.length()));
      }).sorted().forEach(out::add);
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot list the audit log's folder " + live.getParent(), e);
    }
    if (Files.exists(live)) {
      out.add(live);
    }
    return out;
  }

  private static long length(Path f) {
    return f.toFile().length();
  }

  private static byte[] read(Path f, long offset, long count) {
    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
      long n = Math.min(count, r.length() - offset);
      byte[] bytes = new byte[(int) Math.max(0, n)];
      r.seek(offset);
      r.readFully(bytes);
      return bytes;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the audit log " + f, e);
    }
  }
}
