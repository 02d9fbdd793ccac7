package io.pullsecrets.operator.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The operator's settings. Each is an environment variable and a command-line flag; the flag
 * wins. Anything unknown or malformed is a {@link ConfigException} whose one-line message names
 * the setting.
 *
 * @param namespace the operator's own namespace
 * @param trustedNamespaces namespaces whose RegistryCredentials may target other namespaces and
 *     use the operator's ambient cloud identity
 * @param watchNamespaces namespaces whose RegistryCredentials, Secrets and service accounts are
 *     watched; empty means all
 * @param httpPort port of the metrics and health endpoints
 * @param leaderElection whether to take a Lease before reconciling
 * @param logLevel trace, debug, info, warn or error
 * @param logFormat text or json
 * @param allowedEndpointHosts {@code host} or {@code host:port} entries (lower case) to which
 *     RegistryCredentials outside trusted namespaces may have tokens sent besides the clouds' own
 *     endpoints (a private STS, ACR behind a proxy); empty by default
 * @param webhook the pod admission webhook
 * @param metrics how /metrics is served
 * @param clusterSourceNamespaces namespaces besides the operator's own that ClusterRegistryCredentials may
 *     read source Secrets (and request ServiceAccount tokens) from; empty by default
 * @param healPodsDefault whether credentials that leave {@code spec.healPods} unset heal pods
 *     admitted too early ({@code spec.healPods: false} still turns it off)
 */
public record OperatorConfig(
    String namespace,
    Set<String> trustedNamespaces,
    Set<String> watchNamespaces,
    int httpPort,
    boolean leaderElection,
    String logLevel,
    String logFormat,
    Set<String> allowedEndpointHosts,
    Webhook webhook,
    Metrics metrics,
    Set<String> clusterSourceNamespaces,
    boolean healPodsDefault) {

  public OperatorConfig {
    allowedEndpointHosts = allowedEndpointHosts == null ? Set.of() : Set.copyOf(allowedEndpointHosts);
    clusterSourceNamespaces = clusterSourceNamespaces == null ? Set.of() : Set.copyOf(clusterSourceNamespaces);
    webhook = webhook == null ? Webhook.DISABLED : webhook;
    metrics = metrics == null ? Metrics.PLAIN : metrics;
  }

  /** Settings without cluster source namespaces besides the operator's own, and without healing by default. */
  public OperatorConfig(String namespace, Set<String> trustedNamespaces, Set<String> watchNamespaces, int httpPort,
      boolean leaderElection, String logLevel, String logFormat, Set<String> allowedEndpointHosts, Webhook webhook,
      Metrics metrics) {
    this(namespace, trustedNamespaces, watchNamespaces, httpPort, leaderElection, logLevel, logFormat, allowedEndpointHosts, webhook,
        metrics, Set.of(), false);
  }

  /** The same settings with these cluster source namespaces (besides the operator's own). */
  public OperatorConfig withClusterSourceNamespaces(Set<String> namespaces) {
    return new OperatorConfig(namespace, trustedNamespaces, watchNamespaces, httpPort, leaderElection, logLevel, logFormat,
        allowedEndpointHosts, webhook, metrics, namespaces, healPodsDefault);
  }

  /**
   * Whether a ClusterRegistryCredential may read Secrets of {@code ns}: the operator's namespace, or
   * one an administrator listed.
   */
  public boolean allowsClusterSource(String ns) {
    return namespace.equals(ns) || clusterSourceNamespaces.contains(ns);
  }

  /** The same settings with this default for {@code spec.healPods}. */
  public OperatorConfig withHealPodsDefault(boolean heal) {
    return new OperatorConfig(namespace, trustedNamespaces, watchNamespaces, httpPort, leaderElection, logLevel, logFormat,
        allowedEndpointHosts, webhook, metrics, clusterSourceNamespaces, heal);
  }

  /** Whether a credential heals pods: its {@code spec.healPods} when set, else the operator's default. */
  public boolean healsPods(Boolean specHealPods) {
    return specHealPods != null ? specHealPods : healPodsDefault;
  }

  /** Settings with /metrics in plain HTTP on the HTTP port. */
  public OperatorConfig(String namespace, Set<String> trustedNamespaces, Set<String> watchNamespaces, int httpPort,
      boolean leaderElection, String logLevel, String logFormat, Set<String> allowedEndpointHosts, Webhook webhook) {
    this(namespace, trustedNamespaces, watchNamespaces, httpPort, leaderElection, logLevel, logFormat, allowedEndpointHosts, webhook,
        Metrics.PLAIN);
  }

  /** The same settings with these metrics settings. */
  public OperatorConfig withMetrics(Metrics m) {
    return new OperatorConfig(namespace, trustedNamespaces, watchNamespaces, httpPort, leaderElection, logLevel, logFormat,
        allowedEndpointHosts, webhook, m, clusterSourceNamespaces, healPodsDefault);
  }

  /**
   * How /metrics is served.
   *
   * @param secure true: over HTTPS on {@code port}, with the operator's serving certificate, to
   *     clients whose bearer token may {@code get} the non-resource URL {@code /metrics}
   *     (TokenReview and SubjectAccessReview); false: in plain HTTP on the HTTP port, to anyone
   * @param port the HTTPS port (0 picks a free port)
   * @param serviceName the Service in front of the metrics port (DNS names of the self-managed certificate)
   */
  public record Metrics(boolean secure, int port, String serviceName) {
    public static final Metrics PLAIN = new Metrics(false, 8443, "pullsecret-operator-metrics");

    /** Authenticated HTTPS on {@code port}, default Service name. */
    public static Metrics secureOn(int port) {
      return new Metrics(true, port, PLAIN.serviceName);
    }
  }

  /** Settings without the webhook (off). */
  public OperatorConfig(String namespace, Set<String> trustedNamespaces, Set<String> watchNamespaces, int httpPort,
      boolean leaderElection, String logLevel, String logFormat, Set<String> allowedEndpointHosts) {
    this(namespace, trustedNamespaces, watchNamespaces, httpPort, leaderElection, logLevel, logFormat, allowedEndpointHosts, Webhook.DISABLED);
  }

  /** The same settings with these webhook settings. */
  public OperatorConfig withWebhook(Webhook w) {
    return new OperatorConfig(namespace, trustedNamespaces, watchNamespaces, httpPort, leaderElection, logLevel, logFormat, allowedEndpointHosts, w,
        metrics, clusterSourceNamespaces, healPodsDefault);
  }

  /**
   * The pod admission webhook.
   *
   * @param enabled serve it (on its own HTTPS port)
   * @param port its port (0 picks a free port)
   * @param certDir empty: the operator keeps a CA and serving certificate in {@code secretName};
   *     otherwise a folder holding {@code tls.crt} and {@code tls.key} (cert-manager), re-read when they change
   * @param secretName the Secret in the operator's namespace holding the self-managed certificate
   * @param configurationName the MutatingWebhookConfiguration whose caBundle the operator keeps current
   * @param serviceName the Service in front of the webhook (the certificate's DNS names)
   */
  public record Webhook(boolean enabled, int port, String certDir, String secretName, String configurationName, String serviceName) {
    public static final Webhook DISABLED = new Webhook(false, 9443, "", "pullsecret-operator-webhook-tls", "pullsecret-operator", "pullsecret-operator-webhook");

    /** Enabled on {@code port} with the default names. */
    public static Webhook on(int port) {
      return new Webhook(true, port, "", DISABLED.secretName, DISABLED.configurationName, DISABLED.serviceName);
    }

    public Webhook withConfigurationName(String name) {
      return new Webhook(enabled, port, certDir, secretName, name, serviceName);
    }

    public Webhook withSecretName(String name) {
      return new Webhook(enabled, port, certDir, name, configurationName, serviceName);
    }
  }

  /** Settings without allowed endpoint hosts (the constructor before that setting existed). */
  public OperatorConfig(String namespace, Set<String> trustedNamespaces, Set<String> watchNamespaces, int httpPort,
      boolean leaderElection, String logLevel, String logFormat) {
    this(namespace, trustedNamespaces, watchNamespaces, httpPort, leaderElection, logLevel, logFormat, Set.of(), Webhook.DISABLED);
  }

  public static final String DEFAULT_NAMESPACE = "pullsecret-system";
  public static final Path IN_CLUSTER_NAMESPACE_FILE =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern HOST = Pattern.compile("([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*|\\[[0-9a-f:.]+])(:[0-9]{1,5})?");

  /**
   * The settings: flag name, environment variable, description, default, and how the Helm chart
   * sets it. {@code --help} prints them, and {@code hack/update-docs.sh} writes them into
   * docs/reference/configuration.md ({@code ReferenceDocsTest} fails on drift).
   */
  public enum Setting {
    NAMESPACE("namespace", "PULLSECRET_NAMESPACE", "the operator's own namespace (its Lease, its certificate Secret; trusted by default)",
        "the in-cluster namespace, else pullsecret-system", "the release namespace (the downward API: the pod's own namespace)"),
    TRUSTED_NAMESPACES("trusted-namespaces", "PULLSECRET_TRUSTED_NAMESPACES", "comma list of namespaces whose RegistryCredentials may target other namespaces and use the operator's own cloud identity (ambient, managedIdentity)",
        "the operator's namespace", "`operator.trustedNamespaces` (empty: the release namespace)"),
    WATCH_NAMESPACES("watch-namespaces", "PULLSECRET_WATCH_NAMESPACES", "comma list of namespaces to watch; RegistryCredentials, Secrets and ServiceAccounts elsewhere are ignored",
        "empty: all namespaces", "`operator.watchNamespaces`"),
    HTTP_PORT("http-port", "PULLSECRET_HTTP_PORT", "plain HTTP port of /healthz and /readyz, and of /metrics unless metrics-secure is true (0 picks a free port)",
        "8080", "`operator.httpPort`"),
    METRICS_SECURE("metrics-secure", "PULLSECRET_METRICS_SECURE", "true to serve /metrics over HTTPS on the metrics port, only to bearer tokens allowed to get /metrics (TokenReview and SubjectAccessReview); false serves it on the HTTP port to anyone",
        "false", "`metrics.secure` (chart default: true)"),
    METRICS_PORT("metrics-port", "PULLSECRET_METRICS_PORT", "HTTPS port of /metrics when metrics-secure is true (0 picks a free port)",
        "8443", "`metrics.port`"),
    METRICS_SERVICE("metrics-service", "PULLSECRET_METRICS_SERVICE", "Service in front of the metrics port, for the self-managed certificate's DNS names",
        "pullsecret-operator-metrics", "set to `<fullname>-metrics`"),
    LEADER_ELECTION("leader-election", "PULLSECRET_LEADER_ELECTION", "true to take a Lease in the operator's namespace before reconciling (use with 2 or more replicas)",
        "false", "`operator.leaderElection`: `true`, `false`, or `auto` (rendered as `true` when `replicaCount` > 1, else `false`)"),
    LOG_LEVEL("log-level", "PULLSECRET_LOG_LEVEL", "trace, debug, info, warn or error",
        "info", "`operator.logLevel`"),
    LOG_FORMAT("log-format", "PULLSECRET_LOG_FORMAT", "text or json",
        "text", "`operator.logFormat`"),
    CLUSTER_SOURCE_NAMESPACES("cluster-source-namespaces", "PULLSECRET_CLUSTER_SOURCE_NAMESPACES", "comma list of namespaces besides the operator's own that ClusterRegistryCredentials may name as spec.sourceNamespace (read source Secrets and request ServiceAccount tokens there); any other is refused with NotPermitted",
        "empty: the operator's namespace only", "`operator.clusterSourceNamespaces`"),
    ALLOWED_ENDPOINT_HOSTS("allowed-endpoint-hosts", "PULLSECRET_ALLOWED_ENDPOINT_HOSTS", "comma list of host or host:port that RegistryCredentials outside trusted namespaces may send tokens to besides the clouds' own endpoints, and that verify: true may probe over plain http or at a loopback, link-local or metadata address (a host entry allows any port)",
        "empty", "`operator.allowedEndpointHosts`"),
    WEBHOOK_ENABLED("webhook-enabled", "PULLSECRET_WEBHOOK_ENABLED", "true to serve the pod admission webhook that adds managed pull secrets to new pods",
        "false", "`webhook.enabled` (chart default: true)"),
    WEBHOOK_PORT("webhook-port", "PULLSECRET_WEBHOOK_PORT", "HTTPS port of the admission webhook (0 picks a free port)",
        "9443", "`webhook.port`"),
    WEBHOOK_CERT_DIR("webhook-cert-dir", "PULLSECRET_WEBHOOK_CERT_DIR", "folder with tls.crt and a PKCS#8 tls.key for the webhook and the metrics port, e.g. from cert-manager; empty: the operator keeps its own CA and certificate",
        "empty", "`/tls` when `webhook.certManager.enabled`"),
    WEBHOOK_SECRET("webhook-secret", "PULLSECRET_WEBHOOK_SECRET", "Secret in the operator's namespace for the self-managed certificate",
        "pullsecret-operator-webhook-tls", "set to `<fullname>-webhook-tls`"),
    WEBHOOK_CONFIGURATION("webhook-configuration", "PULLSECRET_WEBHOOK_CONFIGURATION", "MutatingWebhookConfiguration whose caBundle the operator keeps current",
        "pullsecret-operator", "set to `<fullname>`"),
    WEBHOOK_SERVICE("webhook-service", "PULLSECRET_WEBHOOK_SERVICE", "Service in front of the webhook, for the certificate's DNS names",
        "pullsecret-operator-webhook", "set to `<fullname>-webhook`"),
    HEAL_PODS_DEFAULT("heal-pods-default", "PULLSECRET_HEAL_PODS_DEFAULT", "true to delete pods admitted before their ServiceAccount carried the Secret (docs/pull-health.md) for RegistryCredentials that leave spec.healPods unset; spec.healPods: false still turns it off; needs delete on pods",
        "false", "`operator.healPodsDefault` (needs `rbac.healPods`)");

    public final String flag;
    public final String env;
    public final String description;
    /** The default of the binary, as a user reads it. */
    public final String defaultValue;
    /** How the Helm chart sets it: the chart value (in backticks) or the value it renders. */
    public final String chart;

    Setting(String flag, String env, String description, String defaultValue, String chart) {
      this.flag = flag;
      this.env = env;
      this.description = description;
      this.defaultValue = defaultValue;
      this.chart = chart;
    }

    String label() {
      return env + " (--" + flag + ")";
    }
  }

  /** Thrown for unknown flags and malformed values; the message is one line naming the setting. */
  public static final class ConfigException extends Exception {
    public ConfigException(String message) {
      super(message);
    }
  }

  /**
   * Thrown for {@code --help} and (as {@link VersionRequested}) {@code --version}: the message is
   * what to print on stdout before exiting 0.
   */
  public static class HelpRequested extends Exception {
    public HelpRequested() {
      super(usage());
    }

    HelpRequested(String text) {
      super(text);
    }
  }

  /** Thrown for {@code --version}; the message is "pullsecret-operator VERSION". */
  public static final class VersionRequested extends HelpRequested {
    public VersionRequested() {
      super(Version.line());
    }
  }

  public static OperatorConfig parse(String[] args, Map<String, String> env) throws ConfigException, HelpRequested {
    return parse(args, env, IN_CLUSTER_NAMESPACE_FILE);
  }

  static OperatorConfig parse(String[] args, Map<String, String> env, Path namespaceFile)
      throws ConfigException, HelpRequested {
    Map<Setting, String> values = settings(args, env);
    String namespace = values.get(Setting.NAMESPACE);
    if (namespace == null || namespace.isBlank()) {
      namespace = inClusterNamespace(namespaceFile);
    }
    namespace = namespace.trim();
    requireNamespaceName(Setting.NAMESPACE, namespace);

    Set<String> trusted = namespaceList(Setting.TRUSTED_NAMESPACES, values.get(Setting.TRUSTED_NAMESPACES));
    if (trusted.isEmpty()) {
      trusted = Set.of(namespace);
    }
    Set<String> watch = namespaceList(Setting.WATCH_NAMESPACES, values.get(Setting.WATCH_NAMESPACES));
    int port = port(Setting.HTTP_PORT, values.get(Setting.HTTP_PORT), 8080);
    boolean leaderElection = bool(Setting.LEADER_ELECTION, values.get(Setting.LEADER_ELECTION), false);
    String level = oneOf(Setting.LOG_LEVEL, values.get(Setting.LOG_LEVEL), "info", List.of("trace", "debug", "info", "warn", "error"));
    String format = oneOf(Setting.LOG_FORMAT, values.get(Setting.LOG_FORMAT), "text", List.of("text", "json"));
    Set<String> endpointHosts = hostList(Setting.ALLOWED_ENDPOINT_HOSTS, values.get(Setting.ALLOWED_ENDPOINT_HOSTS));
    Set<String> clusterSources = namespaceList(Setting.CLUSTER_SOURCE_NAMESPACES, values.get(Setting.CLUSTER_SOURCE_NAMESPACES));
    return new OperatorConfig(namespace, Set.copyOf(trusted), Set.copyOf(watch), port, leaderElection, level, format,
        Set.copyOf(endpointHosts), webhook(values), metrics(values), Set.copyOf(clusterSources),
        bool(Setting.HEAL_PODS_DEFAULT, values.get(Setting.HEAL_PODS_DEFAULT), false));
  }

  private static Metrics metrics(Map<Setting, String> values) throws ConfigException {
    Metrics d = Metrics.PLAIN;
    return new Metrics(
        bool(Setting.METRICS_SECURE, values.get(Setting.METRICS_SECURE), false),
        port(Setting.METRICS_PORT, values.get(Setting.METRICS_PORT), d.port()),
        dnsLabel(Setting.METRICS_SERVICE, values.get(Setting.METRICS_SERVICE), d.serviceName()));
  }

  /** Every setting given: environment first, then flags (a flag wins). */
  private static Map<Setting, String> settings(String[] args, Map<String, String> env) throws ConfigException, HelpRequested {
    Map<Setting, String> values = new LinkedHashMap<>();
    for (Setting s : Setting.values()) {
      String v = env.get(s.env);
      if (v != null) {
        values.put(s, v);
      }
    }
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        throw new HelpRequested();
      }
      if (arg.equals("--version")) {
        throw new VersionRequested();
      }
      if (!arg.startsWith("--")) {
        throw new ConfigException("unexpected argument '" + arg + "' (flags look like --name=value)");
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      String flagName = name;
      Setting setting = Arrays.stream(Setting.values()).filter(s -> s.flag.equals(flagName)).findFirst()
          .orElseThrow(() -> new ConfigException("unknown flag --" + flagName + " (see --help)"));
      if (value == null) {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
          throw new ConfigException("flag --" + flagName + " needs a value");
        }
        value = args[++i];
      }
      values.put(setting, value);
    }
    return values;
  }

  private static Webhook webhook(Map<Setting, String> values) throws ConfigException {
    Webhook d = Webhook.DISABLED;
    return new Webhook(
        bool(Setting.WEBHOOK_ENABLED, values.get(Setting.WEBHOOK_ENABLED), false),
        port(Setting.WEBHOOK_PORT, values.get(Setting.WEBHOOK_PORT), d.port()),
        values.getOrDefault(Setting.WEBHOOK_CERT_DIR, "").trim(),
        name(Setting.WEBHOOK_SECRET, values.get(Setting.WEBHOOK_SECRET), d.secretName()),
        name(Setting.WEBHOOK_CONFIGURATION, values.get(Setting.WEBHOOK_CONFIGURATION), d.configurationName()),
        dnsLabel(Setting.WEBHOOK_SERVICE, values.get(Setting.WEBHOOK_SERVICE), d.serviceName()));
  }

  /** Whether RegistryCredentials in this namespace may target others and use ambient identity. */
  public boolean isTrusted(String ns) {
    return trustedNamespaces.contains(ns);
  }

  /** Whether the operator watches this namespace. */
  public boolean watches(String ns) {
    return watchNamespaces.isEmpty() || watchNamespaces.contains(ns);
  }

  public static String usage() {
    StringBuilder sb = new StringBuilder("Usage: java -jar pullsecret-operator.jar [--flag=value ...]\n");
    sb.append("Each flag can also be given as an environment variable; the flag wins.\n");
    for (Setting s : Setting.values()) {
      sb.append(String.format("  --%-20s %-32s %s (default: %s)%n", s.flag, s.env, s.description, s.defaultValue));
    }
    sb.append(String.format("  --%-20s %-32s %s%n", "version", "", "print the version and exit"));
    sb.append(String.format("  --%-20s %-32s %s%n", "help", "", "print this help and exit"));
    return sb.toString();
  }

  private static boolean bool(Setting setting, String value, boolean dflt) throws ConfigException {
    if (value == null || value.isBlank()) {
      return dflt;
    }
    return switch (value.trim().toLowerCase()) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ConfigException(setting.label() + ": '" + value + "' is not true or false");
    };
  }

  private static int port(Setting setting, String value, int dflt) throws ConfigException {
    if (value == null || value.isBlank()) {
      return dflt;
    }
    int p;
    try {
      p = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (p < 0 || p > 65535) {
      throw new ConfigException(setting.label() + ": '" + value + "' is not a port number (0-65535)");
    }
    return p;
  }

  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  private static String name(Setting setting, String value, String dflt) throws ConfigException {
    return matching(setting, value, dflt, DNS_SUBDOMAIN, "object name");
  }

  private static String dnsLabel(Setting setting, String value, String dflt) throws ConfigException {
    return matching(setting, value, dflt, DNS_LABEL, "Service name");
  }

  /** The trimmed value when it matches {@code pattern}, the default when empty. */
  private static String matching(Setting setting, String value, String dflt, Pattern pattern, String what)
      throws ConfigException {
    if (value == null || value.isBlank()) {
      return dflt;
    }
    if (!pattern.matcher(value.trim()).matches()) {
      throw new ConfigException(setting.label() + ": '" + value + "' is not a valid " + what);
    }
    return value.trim();
  }

  private static String oneOf(Setting setting, String value, String dflt, List<String> allowed) throws ConfigException {
    if (value == null || value.isBlank()) {
      return dflt;
    }
    String v = value.trim().toLowerCase();
    if (!allowed.contains(v)) {
      throw new ConfigException(setting.label() + ": '" + value + "' is not one of " + String.join(", ", allowed));
    }
    return v;
  }

  private static Set<String> namespaceList(Setting setting, String value) throws ConfigException {
    Set<String> result = new LinkedHashSet<>();
    if (value == null) {
      return result;
    }
    for (String part : value.split(",")) {
      String ns = part.trim();
      if (ns.isEmpty()) {
        continue;
      }
      requireNamespaceName(setting, ns);
      result.add(ns);
    }
    return result;
  }

  private static Set<String> hostList(Setting setting, String value) throws ConfigException {
    Set<String> result = new LinkedHashSet<>();
    if (value == null) {
      return result;
    }
    for (String part : value.split(",")) {
      String host = part.trim().toLowerCase(java.util.Locale.ROOT);
      if (host.isEmpty()) {
        continue;
      }
      java.util.regex.Matcher m = HOST.matcher(host);
      boolean ok = m.matches();
      if (ok && m.group(5) != null) {
        int port = Integer.parseInt(m.group(5).substring(1));
        ok = port > 0 && port <= 65535;
      }
      if (!ok) {
        throw new ConfigException(setting.label() + ": '" + part.trim() + "' is not a host or host:port");
      }
      result.add(host);
    }
    return result;
  }

  private static void requireNamespaceName(Setting setting, String ns) throws ConfigException {
    if (!DNS_LABEL.matcher(ns).matches()) {
      throw new ConfigException(setting.label() + ": '" + ns + "' is not a valid namespace name");
    }
  }

  private static String inClusterNamespace(Path file) {
    try {
      if (file != null && Files.isReadable(file)) {
        String ns = Files.readString(file).trim();
        if (!ns.isEmpty()) {
          return ns;
        }
      }
    } catch (java.io.IOException e) {
      // fall through to the default
    }
    return DEFAULT_NAMESPACE;
  }
}
