package io.pullsecrets.operator;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import io.pullsecrets.operator.api.ClusterRegistryCredential;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.http.HttpServing;
import java.io.File;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens before JOSDK starts: find the Kubernetes configuration (as fabric8 does:
 * {@code $KUBECONFIG}, else {@code ~/.kube/config}, else the pod's service account), log the
 * {@code starting} line with the API server and context, and make one cheap request (list
 * RegistryCredentials with limit=1 where the operator will watch them) that shows the server is
 * reachable, accepts the credentials, lets them list, and serves the CRD. Every failure is a
 * {@link StartupException} whose message is one line saying what is wrong and what to do; {@link
 * #explain} turns any other start-up exception into such a line. No line holds a token, password
 * or key: only file names, URLs, user and context names, and the server's Status message.
 */
public final class Preflight {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  /** A start-up failure with a one-line, actionable message. */
  public static final class StartupException extends RuntimeException {
    public StartupException(String message) {
      super(message);
    }

    public StartupException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  static final String IN_CLUSTER_TOKEN = Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH;

  private final Config config;
  /** Which identity the client uses, for 401/403 lines: kubeconfig user and context, or the pod's service account. */
  private final String identity;
  private final String context;

  private Preflight(Config config, String identity, String context) {
    this.config = config;
    this.identity = identity;
    this.context = context;
  }

  /**
   * Resolves the configuration, logs the {@code starting} line, connects and checks; returns the
   * client the operator uses.
   *
   * @throws StartupException with a one-line message when any of it fails
   */
  public static KubernetesClient connect(OperatorConfig settings, Map<String, String> env) {
    Preflight p = resolve(env);
    LOG.info("starting: server={} context={} namespace={} trusted={} watch={} leaderElection={} httpPort={} webhook={} metrics={}",
        p.server(), p.context, settings.namespace(), settings.trustedNamespaces(),
        settings.watchNamespaces().isEmpty() ? "all" : settings.watchNamespaces(),
        settings.leaderElection(), settings.httpPort(),
        settings.webhook().enabled() ? "port " + settings.webhook().port() : "off",
        settings.metrics().secure() ? "https port " + settings.metrics().port() : "http port " + settings.httpPort());
    // The check speaks HTTP/1.1: over HTTP/2 the API server answers a request it cannot
    // authenticate with GOAWAY, which the JDK client reports as an I/O error instead of the 401.
    try (KubernetesClient check = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(p.config).withHttp2Disable(true).build()).build()) {
      p.check(check, settings);
    }
    return new KubernetesClientBuilder().withConfig(p.config).build();
  }

  /** The API server URL, without the trailing slash. */
  String server() {
    String url = config.getMasterUrl();
    return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  static Preflight resolve(Map<String, String> env) {
    List<String> names = new ArrayList<>(Config.getKubeconfigFilenames());
    List<File> files = names.stream().map(File::new).filter(f -> f.isFile() && f.canRead()).collect(Collectors.toList());
    String named = null;
    for (File f : files) {
      try {
        io.fabric8.kubernetes.api.model.Config parsed = KubeConfigUtils.parseConfig(f);
        if (named == null && parsed != null && notBlank(parsed.getCurrentContext())) {
          named = parsed.getCurrentContext();
        }
        if (parsed == null) {
          throw new StartupException("kubeconfig " + f + " is malformed: it is empty; point KUBECONFIG at a valid kubeconfig");
        }
      } catch (RuntimeException e) {
        if (e instanceof StartupException se) {
          throw se;
        }
        throw new StartupException("kubeconfig " + f + " is malformed: " + yamlProblem(e)
            + "; fix it (kubectl --kubeconfig " + f + " config view) or point KUBECONFIG at another file", e);
      }
    }
    boolean inCluster = notBlank(env.get("KUBERNETES_SERVICE_HOST")) && Files.isReadable(Path.of(IN_CLUSTER_TOKEN));
    boolean explicitMaster = notBlank(env.get("KUBERNETES_MASTER")) || notBlank(System.getProperty(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY));
    if (files.isEmpty() && !inCluster && !explicitMaster) {
      throw new StartupException("no Kubernetes configuration found: looked at " + lookedAt(env, names)
          + "; set KUBECONFIG to a kubeconfig file, or run in a pod with a service account");
    }
    Config config;
    try {
      config = new ConfigBuilder(Config.autoConfigure(null))
          .withRequestRetryBackoffLimit(PullSecretOperator.REQUEST_RETRIES)
          .build();
    } catch (RuntimeException e) {
      throw new StartupException("kubeconfig " + files.stream().map(File::toString).collect(Collectors.joining(", "))
          + " cannot be used: " + safeMessage(e) + "; check it with kubectl config view", e);
    }
    NamedContext current = config.getCurrentContext();
    if (current != null && current.getContext() != null) {
      File where = KubeConfigUtils.getFileWithNamedContext(current);
      String file = where != null ? where.toString() : files.isEmpty() ? "?" : files.get(0).toString();
      String user = current.getContext().getUser();
      return new Preflight(config, "kubeconfig user \"" + user + "\" (context \"" + current.getName() + "\" in " + file + ")",
          current.getName());
    }
    if (!files.isEmpty() && !inCluster && !explicitMaster) {
      String file = files.stream().map(File::toString).collect(Collectors.joining(", "));
      throw new StartupException("kubeconfig " + file + (named == null ? " sets no current-context"
          : " names current-context \"" + named + "\", which is not among its contexts")
          + "; choose one with kubectl config use-context NAME");
    }
    if (inCluster) {
      return new Preflight(config, "the pod's service account (token " + IN_CLUSTER_TOKEN + ")", "in-cluster");
    }
    return new Preflight(config, "the credentials from the environment (KUBERNETES_MASTER)", "none");
  }

  private static String lookedAt(Map<String, String> env, List<String> names) {
    List<String> where = new ArrayList<>();
    String kubeconfig = env.get("KUBECONFIG");
    if (notBlank(kubeconfig)) {
      where.add("$KUBECONFIG=" + kubeconfig + " (" + (names.size() == 1 ? "no such file" : "no such files") + ")");
      where.add("~/.kube/config (not read: KUBECONFIG is set)");
    } else {
      where.add("~/.kube/config (" + String.join(", ", names) + ": no such file)");
    }
    where.add(notBlank(env.get("KUBERNETES_SERVICE_HOST"))
        ? "the in-cluster service account (no token at " + IN_CLUSTER_TOKEN + ")"
        : "the in-cluster service account (KUBERNETES_SERVICE_HOST is not set: not in a pod)");
    return String.join(", ", where);
  }

  /**
   * Lists RegistryCredentials (limit=1) where the operator will watch them, and
   * ClusterRegistryCredentials when it serves them (a chart upgrade does not install a new CRD).
   */
  void check(KubernetesClient client, OperatorConfig settings) {
    var ops = client.resources(RegistryCredential.class);
    var one = new ListOptionsBuilder().withLimit(1L).build();
    try {
      if (settings.watchNamespaces().isEmpty()) {
        ops.inAnyNamespace().list(one);
      } else {
        for (String ns : settings.watchNamespaces()) {
          ops.inNamespace(ns).list(one);
        }
      }
    } catch (RuntimeException e) {
      throw new StartupException(explainRequest(e, RegistryCredential.class), e);
    }
    if (PullSecretOperator.servesClusterCredentials(settings)) {
      try {
        client.resources(ClusterRegistryCredential.class).list(one);
      } catch (RuntimeException e) {
        throw new StartupException(explainRequest(e, ClusterRegistryCredential.class), e);
      }
    }
  }

  private String explainRequest(RuntimeException e, Class<? extends HasMetadata> kind) {
    String resource = HasMetadata.getFullResourceName(kind);
    String server = server();
    String network = network(e, server);
    if (network != null) {
      return network + " (context \"" + context + "\")";
    }
    KubernetesClientException k = apiError(e);
    if (k != null) {
      String status = statusMessage(k);
      switch (k.getCode()) {
        case 401:
          return "the API server " + server + " rejected the credentials of " + identity + " (401 Unauthorized"
              + (status.isEmpty() || status.equalsIgnoreCase("Unauthorized") ? "" : ": " + status) + "); renew the token or certificate, or choose another context";
        case 403:
          return "the API server " + server + " forbids " + identity + " to list " + resource + " (403"
              + (status.isEmpty() ? "" : ": " + status) + "); bind the operator's ClusterRole (deploy/ or the Helm chart) to it";
        case 404:
          return "the API server " + server + " does not serve " + resource + "/" + HasMetadata.getVersion(kind)
              + ": the CRD is not installed; run kubectl apply -f crds/";
        default:
          return "the API server " + server + " answered " + k.getCode() + " to listing " + resource
              + (status.isEmpty() ? "" : ": " + status);
      }
    }
    return explain(e, null);
  }

  /**
   * One line for any exception that stops start-up: a {@link StartupException}'s message, the
   * HTTP port in use, an unreachable server, or an API error's code and Status message.
   *
   * @param settings the settings (for the port), or null
   */
  /**
   * "port N is already in use (...); choose another with --flag (ENV)": the flag of the server that
   * could not bind, found by its port (HTTP, metrics or webhook).
   */
  static String portInUse(Throwable t, OperatorConfig settings) {
    Throwable cause = t instanceof HttpServing.PortInUse && t.getCause() != null ? t.getCause() : t;
    int port = t instanceof HttpServing.PortInUse p ? p.port : settings == null ? -1 : settings.httpPort();
    OperatorConfig.Setting setting = OperatorConfig.Setting.HTTP_PORT;
    String what = "port ";
    if (settings != null && port > 0) {
      if (settings.webhook().enabled() && port == settings.webhook().port() && port != settings.httpPort()) {
        setting = OperatorConfig.Setting.WEBHOOK_PORT;
        what = "webhook port ";
      } else if (settings.metrics().secure() && port == settings.metrics().port() && port != settings.httpPort()) {
        setting = OperatorConfig.Setting.METRICS_PORT;
        what = "metrics port ";
      }
    }
    String named = port > 0 ? what + port : "the HTTP port";
    return named + " is already in use (" + safeMessage(cause) + "); choose another with --" + setting.flag + " ("
        + setting.env + "), 0 picks a free one";
  }

  public static String explain(Throwable e, OperatorConfig settings) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StartupException) {
        return t.getMessage();
      }
      if (t instanceof BindException) {
        return portInUse(t, settings);
      }
    }
    String network = network(e, null);
    if (network != null) {
      return network;
    }
    KubernetesClientException k = apiError(e);
    if (k != null) {
      String status = statusMessage(k);
      return "the API server answered " + k.getCode() + (status.isEmpty() ? "" : ": " + status)
          + (k.getCode() == 403 ? "; bind the operator's ClusterRole (deploy/ or the Helm chart) to its identity" : "");
    }
    return chain(e);
  }

  /** The connection failure as one line, or null when it is none. */
  private static String network(Throwable e, String server) {
    String target = server == null ? "the API server" : "the API server " + server;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UnknownHostException) {
        return "cannot reach " + target + ": unknown host " + safeMessage(t) + "; check the server URL in the kubeconfig";
      }
      if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return "cannot reach " + target + ": connection refused; check that the cluster is running and the server URL in the kubeconfig";
      }
      if (t instanceof HttpConnectTimeoutException || t instanceof SocketTimeoutException || t instanceof HttpTimeoutException) {
        return "cannot reach " + target + ": timed out; check the server URL in the kubeconfig, proxies and firewalls";
      }
      if (t instanceof SSLException) {
        return "TLS with " + target + " failed: " + safeMessage(t)
            + "; check the kubeconfig's certificate-authority (or a proxy in between)";
      }
    }
    return null;
  }

  /** The first API error with an HTTP code in the cause chain, or null. */
  private static KubernetesClientException apiError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() > 0) {
        return k;
      }
    }
    return null;
  }

  private static String statusMessage(KubernetesClientException k) {
    Status s = k.getStatus();
    String m = s == null ? null : s.getMessage();
    return m == null ? "" : oneLine(m);
  }

  /**
   * A YAML parser's complaint without the excerpt of the file it quotes (which may hold a token):
   * its lines that describe the problem, and the line and column.
   */
  static String yamlProblem(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException y) {
        String where = y.getProblemMark().map(m -> " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1)).orElse("");
        String problem = java.util.stream.Stream.of(y.getContext(), y.getProblem())
            .filter(x -> x != null && !x.isBlank()).map(Preflight::oneLine).collect(Collectors.joining(": "));
        return "not valid YAML" + where + (problem.isEmpty() ? "" : " (" + problem + ")");
      }
      if (t instanceof JsonProcessingException j) {
        JsonLocation loc = j.getLocation();
        String where = loc == null || loc.getLineNr() < 0 ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
        String cls = j.getClass().getName();
        if (cls.contains("yaml") || cls.contains("Yaml") || cls.contains("JsonParse")) {
          String problem = j.getOriginalMessage() == null ? "" : j.getOriginalMessage().lines()
              .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
              .collect(Collectors.joining("; "));
          return "not valid YAML" + where + (problem.isEmpty() ? "" : " (" + problem + ")");
        }
        return "YAML, but not a kubeconfig" + where + " (expected a mapping with clusters, users, contexts and current-context)";
      }
    }
    return "cannot be read (" + e.getClass().getSimpleName() + ")";
  }

  private static String safeMessage(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : oneLine(m);
  }

  private static String chain(Throwable e) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank() && parts.stream().noneMatch(p -> p.contains(m))) {
        parts.add(oneLine(m));
      }
    }
    return parts.isEmpty() ? e.getClass().getSimpleName() : String.join(": ", parts);
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s*\\R\\s*", " ").trim();
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}
