package io.pullsecrets.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The documentation site builds with {@code mkdocs build --strict} (MkDocs Material): every page
 * is in the nav, and every internal link and anchor resolves. Skipped without mkdocs (.ci/run
 * installs it into .ci/venv), unless PULLSECRET_REQUIRE_MKDOCS=true.
 */
class DocsSiteTest {
  static final Path SITE = Path.of("target/site");

  /** .ci/venv/bin/mkdocs, else mkdocs on the PATH. */
  static String mkdocs() {
    Path venv = Path.of(".ci/venv/bin/mkdocs");
    if (Files.isExecutable(venv)) {
      return venv.toString();
    }
    return Tools.require("mkdocs", "PULLSECRET_REQUIRE_MKDOCS", "mkdocs is not installed (.ci/run installs MkDocs Material into .ci/venv)");
  }

  @Test
  void theSiteBuildsStrictWithEveryLinkResolved() throws Exception {
    String mkdocs = mkdocs();
    Path log = Files.createTempFile("mkdocs", ".log");
    Process p = new ProcessBuilder(List.of(mkdocs, "build", "--strict", "--clean", "--site-dir", SITE.toAbsolutePath().toString()))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("mkdocs build finished within 120 s").isTrue();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    Files.deleteIfExists(log);
    assertThat(p.exitValue()).as("mkdocs build --strict:\n" + output).isZero();
    assertThat(SITE.resolve("troubleshooting/index.html")).exists();
    assertThat(Files.readString(SITE.resolve("troubleshooting/index.html"))).contains("id=\"pullsecrettokenexpiring\"");
  }

  @Test
  void everyPageIsInTheNav() throws Exception {
    String nav = Files.readString(Path.of("mkdocs.yml"));
    try (var pages = Files.walk(Path.of("docs"))) {
      for (Path page : pages.filter(f -> f.toString().endsWith(".md")).toList()) {
        assertThat(nav).as("mkdocs.yml nav lists " + page).contains(" " + Path.of("docs").relativize(page).toString().replace('\\', '/'));
      }
    }
  }

  @Test
  void theReadmeStaysShortAndLinksToTheSite() throws Exception {
    List<String> readme = Files.readAllLines(Path.of("README.md"));
    assertThat(readme.size()).as("README.md lines").isLessThanOrEqualTo(200);
    String text = String.join("\n", readme);
    assertThat(text).contains("hack/try.sh", ".ci/run", "mvn -B verify");
    java.util.regex.Matcher links = java.util.regex.Pattern.compile("\\]\\((docs/[^)#]+)(#[^)]*)?\\)").matcher(text);
    int count = 0;
    while (links.find()) {
      assertThat(Path.of(links.group(1))).as("README links to an existing page").exists();
      count++;
    }
    assertThat(count).as("links from the README to docs/").isGreaterThanOrEqualTo(10);
  }
}
