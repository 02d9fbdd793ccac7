package io.pullsecrets.operator.reconciler;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pullsecrets.operator.Logging;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes Kubernetes Events about a RegistryCredential or ClusterRegistryCredential. Messages never carry secret material. */
public class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final String COMPONENT = "pullsecret-operator";

  /**
   * Where Events about ClusterRegistryCredentials go: the API server accepts an Event about a
   * cluster-scoped object only in {@code default} (as for Nodes); kubectl describe finds it there.
   */
  static final String CLUSTER_EVENTS_NAMESPACE = "default";

  private final KubernetesClient client;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void normal(CredentialResource<?> rc, String reason, String message) {
    record(rc, "Normal", reason, message);
  }

  public void warning(CredentialResource<?> rc, String reason, String message) {
    record(rc, "Warning", reason, message);
  }

  /** An Event's name is a DNS subdomain of at most this many characters. */
  static final int MAX_NAME = 253;

  /**
   * {@code <credential name>.<suffix>}; a credential name too long for that is cut and given a
   * hash of the whole name, so that names stay valid and distinct: {@code <prefix>-<hash8>.<suffix>}.
   */
  static String eventName(String credentialName, String suffix) {
    String name = credentialName + "." + suffix;
    if (name.length() <= MAX_NAME) {
      return name;
    }
    String hash = sha256Hex(credentialName).substring(0, 8);
    int keep = MAX_NAME - suffix.length() - 1 - hash.length() - 1;
    String prefix = credentialName.substring(0, keep);
    // A DNS label must end with a letter or digit.
    while (!prefix.isEmpty() && !Character.isLetterOrDigit(prefix.charAt(prefix.length() - 1))) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return (prefix.isEmpty() ? "" : prefix + "-") + hash + "." + suffix;
  }

  private static String sha256Hex(String s) {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void record(CredentialResource<?> rc, String type, String reason, String message) {
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    String ns = rc.clusterScoped() ? CLUSTER_EVENTS_NAMESPACE : rc.getMetadata().getNamespace();
    var event = new EventBuilder()
        .withNewMetadata()
        .withName(eventName(rc.getMetadata().getName(), UUID.randomUUID().toString().substring(0, 13).replace("-", "")))
        .withNamespace(ns)
        .endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder()
            .withApiVersion(rc.getApiVersion())
            .withKind(rc.getKind())
            .withName(rc.getMetadata().getName())
            .withNamespace(rc.getMetadata().getNamespace())
            .withUid(rc.getMetadata().getUid())
            .withResourceVersion(rc.getMetadata().getResourceVersion())
            .build())
        .withType(type)
        .withReason(reason)
        .withMessage(message.length() > 1000 ? message.substring(0, 997) + "..." : message)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .build();
    Logging.withCredential(rc.getMetadata().getNamespace(), rc.getMetadata().getName(), () -> {
      try {
        client.v1().events().inNamespace(ns).resource(event).create();
      } catch (KubernetesClientException e) {
        LOG.warn("could not record event {}: HTTP {}", reason, e.getCode());
      }
      log(type, "{} {}: {}", type, reason, ForeignText.truncate(message, 1000));
    });
  }

  /** Warning events at WARN, the others at INFO. */
  private static void log(String type, String format, Object... args) {
    if ("Warning".equals(type)) {
      LOG.warn(format, args);
    } else {
      LOG.info(format, args);
    }
  }
}
