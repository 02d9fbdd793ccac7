package io.pullsecrets.operator.webhook;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.config.OperatorConfig;
import io.pullsecrets.operator.provider.ProviderRegistry;
import io.pullsecrets.operator.spec.SpecCheck.ServingRules;
import io.pullsecrets.operator.spec.SpecCheck;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The admission decision: which managed Secret names a new pod should list in {@code
 * spec.imagePullSecrets}. The rules are the reconciler's, from the same function
 * ({@link SpecCheck#servingRules}: the spec check, tenancy, targets and Secret name); the inputs
 * are the informer caches. Pure apart from a cache of compiled rules keyed by uid and resourceVersion.
 */
public final class PodInjection {
  /** On a namespace or pod: {@code "false"} opts out of injection. */
  public static final String INJECT_LABEL = "pullsecrets.io/inject";
  public static final String DEFAULT_SERVICE_ACCOUNT = "default";
  /**
   * The kubelet's mark on the API object of a static pod (a mirror pod). Such a pod has no
   * ServiceAccount and may not reference Secrets: the API server's ServiceAccount admission
   * plugin refuses one that lists any, so the webhook never touches it.
   */
  public static final String MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

  /**
   * What to do with one pod: the names to append (empty: leave it unchanged), why, and the pod's
   * own entries (kept first, as they were).
   */
  public record Decision(List<String> add, String reason, List<LocalObjectReference> existing) {
    public boolean mutates() {
      return !add.isEmpty();
    }

    /**
     * The JSONPatch (RFC 6902), or null when nothing changes: one {@code add} of the whole list,
     * the pod's entries followed by ours. A pod decoded from JSON cannot tell an absent list from
     * an empty one, and {@code add} of the member works for both.
     */
    public String jsonPatch() {
      if (add.isEmpty()) {
        return null;
      }
      StringBuilder sb = new StringBuilder("[{\"op\":\"add\",\"path\":\"/spec/imagePullSecrets\",\"value\":[");
      boolean first = true;
      for (LocalObjectReference ref : existing) {
        sb.append(first ? "" : ",").append(io.fabric8.kubernetes.client.utils.Serialization.asJson(ref));
        first = false;
      }
      for (String name : add) {
        sb.append(first ? "" : ",").append("{\"name\":\"").append(name).append("\"}");
        first = false;
      }
      return sb.append("]}]").toString();
    }

    static Decision unchanged(String reason) {
      return new Decision(List.of(), reason, List.of());
    }
  }

  private record Compiled(String resourceVersion, Optional<ServingRules> rules) {}

  private final OperatorConfig config;
  private final ProviderRegistry providers;
  private final Map<String, Compiled> compiled = new ConcurrentHashMap<>();

  /** With the providers the reconciler uses: a credential whose provider it lacks is not served by either. */
  public PodInjection(OperatorConfig config, ProviderRegistry providers) {
    this.config = config;
    this.providers = providers;
  }

  /**
   * Decides for a pod being created in {@code namespace}.
   *
   * @param ns the namespace from the cache (empty: not cached, so no credential can be known to target it)
   * @param serviceAccount the pod's ServiceAccount from the cache (empty: judged by its name alone)
   * @param credentials every cached RegistryCredential
   */
  public Decision decide(Pod pod, String namespace, Optional<Namespace> ns, Optional<ServiceAccount> serviceAccount,
      Collection<? extends CredentialResource<?>> credentials) {
    if (pod.getMetadata() != null && pod.getMetadata().getAnnotations() != null
        && pod.getMetadata().getAnnotations().containsKey(MIRROR_POD_ANNOTATION)) {
      return Decision.unchanged("mirror pod");
    }
    if (!config.watches(namespace)) {
      return Decision.unchanged("namespace not watched");
    }
    if (ns.isEmpty()) {
      return Decision.unchanged("namespace not in cache");
    }
    if (optedOut(ns.get().getMetadata().getLabels())) {
      return Decision.unchanged("namespace opted out");
    }
    if (pod.getMetadata() != null && optedOut(pod.getMetadata().getLabels())) {
      return Decision.unchanged("pod opted out");
    }
    String saName = serviceAccountName(pod);
    ServiceAccount sa = serviceAccount.orElseGet(() -> {
      ServiceAccount stub = new ServiceAccount();
      stub.setMetadata(new ObjectMetaBuilder().withName(saName).withNamespace(namespace).build());
      return stub;
    });
    Set<String> present = new LinkedHashSet<>();
    List<LocalObjectReference> existing = pod.getSpec() == null ? null : pod.getSpec().getImagePullSecrets();
    if (existing != null) {
      existing.stream().filter(Objects::nonNull).map(LocalObjectReference::getName).filter(Objects::nonNull).forEach(present::add);
    }
    List<CredentialResource<?>> sorted = new ArrayList<>(credentials);
    // ClusterRegistryCredentials (no namespace) first, then by namespace and name.
    sorted.sort(Comparator.comparing((CredentialResource<?> rc) -> rc.getMetadata().getNamespace(),
            Comparator.nullsFirst(Comparator.<String>naturalOrder()))
        .thenComparing(rc -> rc.getMetadata().getName()));
    Set<String> add = new LinkedHashSet<>();
    boolean targeted = false;
    for (CredentialResource<?> rc : sorted) {
      Optional<ServingRules> rules = rules(rc);
      if (rules.isEmpty() || !rules.get().namespaces().matches(ns.get())) {
        continue;
      }
      targeted = true;
      if (!rules.get().serviceAccounts().test(sa)) {
        continue;
      }
      String name = rules.get().secretName();
      if (!present.contains(name)) {
        add.add(name);
      }
    }
    if (!add.isEmpty()) {
      return new Decision(List.copyOf(add), "added", existing == null ? List.of() : existing.stream().filter(Objects::nonNull).toList());
    }
    return Decision.unchanged(targeted ? "already listed or service account not selected" : "namespace not targeted");
  }

  /** spec.serviceAccountName, else the deprecated spec.serviceAccount, else {@code default}. */
  static String serviceAccountName(Pod pod) {
    if (pod.getSpec() != null) {
      if (pod.getSpec().getServiceAccountName() != null && !pod.getSpec().getServiceAccountName().isEmpty()) {
        return pod.getSpec().getServiceAccountName();
      }
      if (pod.getSpec().getServiceAccount() != null && !pod.getSpec().getServiceAccount().isEmpty()) {
        return pod.getSpec().getServiceAccount();
      }
    }
    return DEFAULT_SERVICE_ACCOUNT;
  }

  private static boolean optedOut(Map<String, String> labels) {
    return labels != null && "false".equals(labels.get(INJECT_LABEL));
  }

  /** {@link SpecCheck#servingRules}, compiled once per version of the credential. */
  private Optional<ServingRules> rules(CredentialResource<?> rc) {
    String uid = rc.getMetadata().getUid();
    String rv = rc.getMetadata().getResourceVersion();
    if (uid == null) {
      return SpecCheck.servingRules(rc, providers, config);
    }
    Compiled c = compiled.get(uid);
    if (c == null || !Objects.equals(c.resourceVersion(), rv)) {
      c = new Compiled(rv, SpecCheck.servingRules(rc, providers, config));
      if (compiled.size() > 10_000) {
        compiled.clear();
      }
      compiled.put(uid, c);
    }
    return c.rules();
  }
}
