package io.pullsecrets.operator.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The operator's version: the jar manifest's {@code Implementation-Version}, else the Maven
 * project version filtered into {@code io/pullsecrets/operator/version.properties} (when run from
 * {@code target/classes}), else "unknown".
 */
public final class Version {
  private Version() {}

  public static String get() {
    String v = Version.class.getPackage().getImplementationVersion();
    if (v != null && !v.isBlank()) {
      return v;
    }
    try (InputStream in = Version.class.getResourceAsStream("/io/pullsecrets/operator/version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String fromMaven = p.getProperty("version");
        if (fromMaven != null && !fromMaven.isBlank() && !fromMaven.startsWith("${")) {
          return fromMaven.trim();
        }
      }
    } catch (IOException e) {
      // unknown
    }
    return "unknown";
  }

  /** What {@code --version} prints. */
  public static String line() {
    return "pullsecret-operator " + get() + "\n";
  }
}
