package io.pullsecrets.operator.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values table of the chart's README.md, generated from values.yaml (keys, defaults and the
 * {@code # --} comments above keys) and values.schema.json (types; the description where a key has
 * no comment). A map whose schema lists its properties gets one row per property; anything else
 * (free-form maps, lists) is one row. {@code hack/update-chart-readme.sh} rewrites the table;
 * {@link ChartReadmeTest} fails when it drifts.
 */
final class ChartReadme {
  static final Path README = Helm.CHART.resolve("README.md");
  static final String START = "<!-- values-table:start (generated from values.yaml and values.schema.json by hack/update-chart-readme.sh) -->";
  static final String END = "<!-- values-table:end -->";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern KEY = Pattern.compile("^(\\s*)([A-Za-z0-9_.-]+):(\\s|$)");
  private static final Pattern DOC = Pattern.compile("^\\s*# -- ?(.*)$");
  private static final Pattern CONT = Pattern.compile("^\\s*# ?(.*)$");

  private ChartReadme() {}

  static String table() throws IOException {
    String valuesText = Files.readString(Helm.CHART.resolve("values.yaml"));
    JsonNode values = YAML.readTree(valuesText);
    JsonNode schema = JSON.readTree(Helm.CHART.resolve("values.schema.json").toFile());
    Map<String, String> comments = comments(valuesText);
    StringBuilder out = new StringBuilder("| Key | Type | Default | Description |\n| --- | --- | --- | --- |\n");
    rows(out, "", values, schema, schema, comments);
    return out.toString();
  }

  private static void rows(StringBuilder out, String prefix, JsonNode values, JsonNode schema, JsonNode root, Map<String, String> comments) {
    for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String key = prefix + f.getKey();
      JsonNode prop = resolve(schema.path("properties").path(f.getKey()), root);
      JsonNode value = f.getValue();
      if (value.isObject() && value.size() > 0 && prop.has("properties")) {
        rows(out, key + ".", value, prop, root, comments);
        continue;
      }
      String description = comments.getOrDefault(key, schema.path("properties").path(f.getKey()).path("description").asText(prop.path("description").asText("")));
      out.append("| `").append(key).append("` | ").append(type(schema.path("properties").path(f.getKey()), prop))
          .append(" | ").append(value.isMissingNode() ? "" : "`" + cell(compact(value)) + "`")
          .append(" | ").append(cell(description)).append(" |\n");
    }
  }

  private static JsonNode resolve(JsonNode prop, JsonNode root) {
    String ref = prop.path("$ref").asText("");
    return ref.startsWith("#/") ? root.at(ref.substring(1)) : prop;
  }

  private static String type(JsonNode declared, JsonNode resolved) {
    JsonNode t = resolved.path("type");
    if (t.isArray()) {
      StringBuilder s = new StringBuilder();
      t.forEach(x -> s.append(s.length() == 0 ? "" : " or ").append(x.asText()));
      return s.toString();
    }
    if (t.isMissingNode() && declared.has("enum")) {
      return "enum";
    }
    return t.asText("any");
  }

  private static String compact(JsonNode value) {
    try {
      return value.isTextual() ? JSON.writeValueAsString(value.asText()) : JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String cell(String s) {
    return s.replace("|", "\\|").replace("<", "&lt;").replace("\n", " ");
  }

  /** key path -> the {@code # --} comment right above it (continued by further {@code #} lines). */
  static Map<String, String> comments(String valuesYaml) {
    Map<String, String> out = new LinkedHashMap<>();
    Deque<Object[]> stack = new ArrayDeque<>();   // {indent, key}
    StringBuilder pending = null;
    for (String line : valuesYaml.split("\n")) {
      Matcher doc = DOC.matcher(line);
      if (doc.matches()) {
        pending = new StringBuilder(doc.group(1).strip());
        continue;
      }
      Matcher cont = CONT.matcher(line);
      if (cont.matches()) {
        if (pending != null) {
          pending.append(' ').append(cont.group(1).strip());
        }
        continue;
      }
      Matcher key = KEY.matcher(line);
      if (!key.find()) {
        if (line.isBlank()) {
          pending = null;
        }
        continue;
      }
      int indent = key.group(1).length();
      while (!stack.isEmpty() && (int) stack.peek()[0] >= indent) {
        stack.pop();
      }
      StringBuilder path = new StringBuilder();
      stack.descendingIterator().forEachRemaining(e -> path.append(e[1]).append('.'));
      path.append(key.group(2));
      stack.push(new Object[] {indent, key.group(2)});
      if (pending != null) {
        out.put(path.toString(), pending.toString().strip());
        pending = null;
      }
    }
    return out;
  }

  /** The README with its table section replaced by {@code table}. */
  static String withTable(String readme, String table) {
    int s = readme.indexOf(START);
    int e = readme.indexOf(END);
    if (s < 0 || e < s) {
      throw new IllegalStateException(README + " has no " + START + " ... " + END + " section");
    }
    return readme.substring(0, s + START.length()) + "\n\n" + table + "\n" + readme.substring(e);
  }

  /** Rewrites the table of helm/pullsecret-operator/README.md. */
  public static void main(String[] args) throws IOException {
    Files.writeString(README, withTable(Files.readString(README), table()));
    System.out.println("updated " + README);
  }
}
