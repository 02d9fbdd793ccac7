package io.pullsecrets.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every {@code helm install} in the docs (getting started and the install alternatives) is a
 * complete command: rendered with {@code helm template} and the same flags, it runs the locally
 * built image and trusts the namespace the quick start uses.
 */
class ReadmeInstallCommandsTest {
  /** The pages with helm commands. */
  static final List<Path> PAGES = List.of(Path.of("README.md"), Path.of("docs/getting-started.md"), Path.of("docs/installation.md"));

  static String docs() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Path p : PAGES) {
      sb.append(Files.readString(p)).append('\n');
    }
    return sb.toString();
  }

  @Test
  void everyHelmInstallInTheDocsUsesTheBuiltImageAndKeepsTheTrustedNamespaces() throws IOException {
    List<List<String>> installs = helmCommands(docs(), "install");
    assertThat(installs).as("helm install commands in " + PAGES).hasSizeGreaterThanOrEqualTo(4);
    for (List<String> cmd : installs) {
      List<String> args = new ArrayList<>(cmd.subList(4, cmd.size()));   // after: helm install <release> <chart>
      args.removeIf(a -> a.equals("--create-namespace"));
      assertThat(cmd.get(3)).as("%s installs the chart of this repository", cmd).isEqualTo("./helm/pullsecret-operator");
      List<HasMetadata> objects = Helm.template(args.toArray(String[]::new));
      Container c = Helm.one(objects, Deployment.class, ChartTest.FULLNAME).getSpec().getTemplate().getSpec().getContainers().get(0);
      assertThat(c.getImage()).as("%s", cmd).isEqualTo("pullsecret-operator:dev");
      assertThat(c.getImagePullPolicy()).as("%s", cmd).isEqualTo("Never");
      assertThat(c.getEnv()).as("%s", cmd).filteredOn(e -> e.getName().equals("PULLSECRET_TRUSTED_NAMESPACES"))
          .extracting(EnvVar::getValue).singleElement().asString().contains("platform");
    }
    // Upgrades of an existing release keep its values.
    for (List<String> cmd : helmCommands(docs(), "upgrade")) {
      if (cmd.contains("--set")) {
        assertThat(cmd).as("%s must keep the installed values", cmd).containsAnyOf("--reuse-values", "--reset-then-reuse-values", "-f");
      }
    }
  }

  /** "helm VERB ..." commands of the README's code blocks, continuations joined, split like a shell. */
  static List<List<String>> helmCommands(String readme, String verb) {
    List<List<String>> out = new ArrayList<>();
    String joined = readme.replace("\\\n", " ");
    for (String line : joined.split("\n")) {
      String l = line.strip();
      if (l.startsWith("helm " + verb + " ")) {
        int comment = l.indexOf(" #");
        out.add(split(comment > 0 ? l.substring(0, comment) : l));
      }
    }
    return out;
  }

  private static List<String> split(String s) {
    List<String> words = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean single = false;
    boolean any = false;
    for (char ch : s.toCharArray()) {
      if (ch == '\'') {
        single = !single;
        any = true;
      } else if (Character.isWhitespace(ch) && !single) {
        if (any) {
          words.add(w.toString());
          w.setLength(0);
          any = false;
        }
      } else {
        w.append(ch);
        any = true;
      }
    }
    if (any) {
      words.add(w.toString());
    }
    return words;
  }
}
