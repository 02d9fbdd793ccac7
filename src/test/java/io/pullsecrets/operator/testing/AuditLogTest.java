package io.pullsecrets.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log read as the API server leaves it: rotated files (lumberjack's names) and the live file, every line once. */
class AuditLogTest {
  @TempDir
  Path dir;

  private Path live() {
    return dir.resolve("audit.log");
  }

  private void append(String... lines) throws IOException {
    Files.writeString(live(), String.join("", List.of(lines)), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /** As lumberjack does: the live file renamed to audit-<timestamp>.log; the next line starts a new live file. */
  private void rotate(String timestamp) throws IOException {
    Files.move(live(), dir.resolve("audit-" + timestamp + ".log"));
  }

  private static String event(int i) {
    return "{\"n\":" + i + "}\n";
  }

  @Test
  void readsEveryLineOnceAcrossRotationsFromAnOffsetTakenBefore() throws IOException {
    AuditLog log = new AuditLog(live());
    assertThat(log.size()).isZero();
    append(event(0), event(1));
    long offset = log.size();
    List<String> expected = new ArrayList<>();
    int n = 2;
    // Timestamps whose text order is time order across a minute and a day boundary.
    for (String ts : List.of("2026-12-01T23-59-59.999", "2026-12-02T00-00-00.001", "2026-12-02T00-00-10.500")) {
      for (int i = 0; i < 3; i++) {
        append(event(n));
        expected.add(event(n).trim());
        n++;
      }
      rotate(ts);
    }
    append(event(n));
    expected.add(event(n).trim());
    dir.resolve("audit-policy.yaml").toFile().createNewFile(); // other files of the folder are not the log

    AuditLog.Lines read = log.readFrom(offset);
    assertThat(read.lines()).containsExactlyElementsOf(expected);
    assertThat(read.end()).isEqualTo(log.size());
    assertThat(log.readFrom(0).lines()).hasSize(expected.size() + 2).startsWith("{\"n\":0}", "{\"n\":1}");
    assertThat(log.readFrom(read.end()).lines()).isEmpty();
  }

  @Test
  void aLineBeingWrittenIsReadWhenComplete() throws IOException {
    AuditLog log = new AuditLog(live());
    append(event(0));
    rotate("2026-12-02T00-00-00.000");
    append(event(1), "{\"n\":");
    AuditLog.Lines first = log.readFrom(0);
    assertThat(first.lines()).containsExactly("{\"n\":0}", "{\"n\":1}");
    append("2}\n");
    AuditLog.Lines second = log.readFrom(first.end());
    assertThat(second.lines()).containsExactly("{\"n\":2}");
    assertThat(second.end()).isEqualTo(log.size());
  }
}
