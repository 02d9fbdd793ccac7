package io.pullsecrets.operator.health;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.cluster.ClusterView;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Healing's I/O ({@code spec.healPods}): for each failing pull that concerns a credential, reads
 * the pod by name (pods are not cached), asks {@link PodHealing#decide}, takes one from the
 * {@link HealBudget}, deletes the pod with the resourceVersion read as precondition, and records a Normal Event on
 * the pod and one on the credential. A pod uid is deleted at most once.
 */
public final class PodHealer {
  private static final Logger LOG = LoggerFactory.getLogger(PodHealer.class);
  private static final String COMPONENT = "pullsecret-operator";
  /** Pod uids remembered as healed; the oldest are forgotten first. */
  static final int REMEMBERED = 10_000;
  /** At most this many pods are read per call; the rest wait for the next reconcile. */
  static final int POD_READS_PER_CALL = 20;

  /** Records the Event on the credential. */
  public interface Reporter {
    void healed(CredentialResource<?> rc, String message);
  }

  private final KubernetesClient client;
  private final HealBudget budget;
  private final Reporter reporter;
  private final LinkedHashSet<String> healed = new LinkedHashSet<>();

  public PodHealer(KubernetesClient client, HealBudget budget, Reporter reporter) {
    this.client = client;
    this.budget = budget;
    this.reporter = reporter;
  }

  /** Heals what may be healed among {@code concerning} (failures that concern {@code rc}); returns how many pods were deleted. */
  public int heal(CredentialResource<?> rc, String secretName, List<PullFailure> concerning, ClusterView view, Instant now) {
    int deleted = 0;
    int reads = 0;
    for (PullFailure f : concerning) {
      if (f.kind() != PullFailure.Kind.AUTH || wasHealed(f.podUid())) {
        continue;
      }
      if (reads++ >= POD_READS_PER_CALL) {
        break;
      }
      Pod pod;
      try {
        pod = client.pods().inNamespace(f.namespace()).withName(f.pod()).get();
      } catch (KubernetesClientException e) {
        LOG.debug("could not read a failing pod ({}); trying again at the next reconcile", e.getCode());
        continue;
      }
      String saName = pod == null || pod.getSpec() == null || pod.getSpec().getServiceAccountName() == null
          ? "default" : pod.getSpec().getServiceAccountName();
      Optional<ServiceAccount> sa = view.serviceAccount(f.namespace(), saName);
      PodHealing.Decision d = PodHealing.decide(new PodHealing.Candidate(f, pod, view.namespace(f.namespace()).orElse(null),
          sa.orElse(null), secretName, false));
      if (!d.delete()) {
        LOG.debug("not healing pod {}/{}: {}", f.namespace(), f.pod(), d.reason());
        continue;
      }
      if (!budget.take(f.namespace(), now)) {
        LOG.info("not healing pod {}/{} now: the rate limit is reached; trying again at the next reconcile", f.namespace(), f.pod());
        continue;
      }
      try {
        // The version read is a precondition: a pod changed or replaced since is not deleted.
        client.pods().inNamespace(f.namespace()).withName(f.pod()).lockResourceVersion(pod.getMetadata().getResourceVersion()).delete();
      } catch (KubernetesClientException e) {
        LOG.info("could not delete pod {}/{} to heal it (HTTP {}); trying again at the next reconcile", f.namespace(), f.pod(), e.getCode());
        continue;
      }
      remember(f.podUid());
      deleted++;
      String message = "deleted pod " + f.namespace() + "/" + f.pod() + ": " + d.reason();
      podEvent(pod, "deleted by " + rc.describe()
          + " (spec.healPods): " + d.reason(), now);
      reporter.healed(rc, message);
    }
    return deleted;
  }

  private synchronized boolean wasHealed(String uid) {
    return healed.contains(uid);
  }

  private synchronized void remember(String uid) {
    healed.add(uid);
    if (healed.size() > REMEMBERED) {
      Iterator<String> eldest = healed.iterator();
      eldest.next();
      eldest.remove();
    }
  }

  private static String cut(String s, int max) {
    String out = s.length() <= max ? s : s.substring(0, max);
    while (!out.isEmpty() && !Character.isLetterOrDigit(out.charAt(out.length() - 1))) {
      out = out.substring(0, out.length() - 1);
    }
    return out;
  }

  private void podEvent(Pod pod, String message, Instant now) {
    String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
    String ns = pod.getMetadata().getNamespace();
    var event = new EventBuilder()
        .withNewMetadata()
        .withName(cut(pod.getMetadata().getName(), 240) + "." + UUID.randomUUID().toString().substring(0, 13).replace("-", ""))
        .withNamespace(ns)
        .endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion("v1").withKind("Pod")
            .withName(pod.getMetadata().getName()).withNamespace(ns).withUid(pod.getMetadata().getUid()).build())
        .withType("Normal")
        .withReason(Reasons.POD_HEALED)
        .withMessage(message.length() > 1000 ? message.substring(0, 997) + "..." : message)
        .withFirstTimestamp(time)
        .withLastTimestamp(time)
        .withCount(1)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .build();
    try {
      client.v1().events().inNamespace(ns).resource(event).create();
    } catch (KubernetesClientException e) {
      LOG.warn("could not record event {} on a pod: HTTP {}", Reasons.POD_HEALED, e.getCode());
    }
  }
}
