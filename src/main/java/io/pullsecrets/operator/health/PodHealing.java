package io.pullsecrets.operator.health;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The pure part of healing ({@code spec.healPods}): whether to delete one pod whose pull failed,
 * so that its controller creates it again and the API server's ServiceAccount admission copies
 * the Secret into the new pod. Decided from the pod as read from the API server, never from an
 * Event alone. No I/O, no clock; the rate limits are {@link HealBudget}'s.
 */
public final class PodHealing {
  /** On a namespace: {@code "false"} opts out of injection, and of healing. */
  public static final String INJECT_LABEL = "pullsecrets.io/inject";
  /** The controllers that create a deleted pod again. */
  public static final Set<String> CONTROLLERS = Set.of("ReplicaSet", "StatefulSet", "Job", "DaemonSet");
  /** The waiting reasons of a container whose image cannot be pulled. */
  public static final Set<String> PULL_WAITING = Set.of("ImagePullBackOff", "ErrImagePull");

  private PodHealing() {}

  /**
   * What is known about one failing pull.
   *
   * @param failure the failure, as the kubelet reported it
   * @param pod the pod read by name (null: gone)
   * @param namespace the pod's namespace (null: unknown)
   * @param serviceAccount the pod's ServiceAccount, from the cache (null: unknown)
   * @param secretName the credential's Secret
   * @param healedBefore whether this pod uid was deleted once already
   */
  public record Candidate(PullFailure failure, Pod pod, Namespace namespace, ServiceAccount serviceAccount,
      String secretName, boolean healedBefore) {}

  /** Whether to delete, and why (or why not): one line for the Events and the debug log. */
  public record Decision(boolean delete, String reason) {
    static Decision no(String reason) {
      return new Decision(false, reason);
    }
  }

  public static Decision decide(Candidate c) {
    PullFailure f = c.failure();
    Pod pod = c.pod();
    if (f.kind() != PullFailure.Kind.AUTH) {
      return Decision.no("the pull failed for another reason than authentication");
    }
    if (pod == null || pod.getMetadata() == null || !f.podUid().equals(pod.getMetadata().getUid())) {
      return Decision.no("the pod is gone");
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return Decision.no("the pod is being deleted");
    }
    if (c.healedBefore()) {
      return Decision.no("the pod was deleted once already");
    }
    if (c.namespace() == null || optedOut(c.namespace())) {
      return Decision.no("the namespace is opted out (" + INJECT_LABEL + "=false) or unknown");
    }
    Optional<OwnerReference> owner = controller(pod);
    if (owner.isEmpty()) {
      return Decision.no("the pod has no controller to create it again");
    }
    if (!CONTROLLERS.contains(owner.get().getKind())) {
      return Decision.no("the pod's controller is a " + owner.get().getKind() + ", not a ReplicaSet, StatefulSet, Job or DaemonSet");
    }
    if (!waitingOnPull(pod)) {
      return Decision.no("no container of the pod is in ImagePullBackOff or ErrImagePull");
    }
    if (names(pod.getSpec() == null ? null : pod.getSpec().getImagePullSecrets()).contains(c.secretName())) {
      return Decision.no("the pod already lists the Secret " + c.secretName());
    }
    if (c.serviceAccount() == null || !names(c.serviceAccount().getImagePullSecrets()).contains(c.secretName())) {
      return Decision.no("its ServiceAccount does not carry the Secret " + c.secretName() + " yet");
    }
    return new Decision(true, "admitted before its ServiceAccount " + c.serviceAccount().getMetadata().getName()
        + " carried the Secret " + c.secretName() + "; its " + owner.get().getKind() + " " + owner.get().getName()
        + " creates it again");
  }

  static boolean optedOut(Namespace ns) {
    Map<String, String> labels = ns.getMetadata() == null ? null : ns.getMetadata().getLabels();
    return labels != null && "false".equals(labels.get(INJECT_LABEL));
  }

  static Optional<OwnerReference> controller(Pod pod) {
    List<OwnerReference> refs = pod.getMetadata().getOwnerReferences();
    return refs == null ? Optional.empty() : refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
  }

  static boolean waitingOnPull(Pod pod) {
    if (pod.getStatus() == null) {
      return false;
    }
    List<ContainerStatus> all = new ArrayList<>();
    if (pod.getStatus().getInitContainerStatuses() != null) {
      all.addAll(pod.getStatus().getInitContainerStatuses());
    }
    if (pod.getStatus().getContainerStatuses() != null) {
      all.addAll(pod.getStatus().getContainerStatuses());
    }
    return all.stream().anyMatch(s -> s.getState() != null && s.getState().getWaiting() != null
        && PULL_WAITING.contains(s.getState().getWaiting().getReason()));
  }

  private static Set<String> names(List<LocalObjectReference> refs) {
    return refs == null ? Set.of() : refs.stream().map(LocalObjectReference::getName)
        .filter(n -> n != null).collect(java.util.stream.Collectors.toSet());
  }
}
