package io.pullsecrets.operator.health;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.cluster.ClusterView;
import io.pullsecrets.operator.spec.SpecCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pull health's I/O: two informers on core/v1 Events of pods (reason {@code Failed} and reason
 * {@code BackOff}, both selected by the API server, which supports field selectors on
 * {@code involvedObject.kind} and {@code reason}), whose caches keep only {@link PullEvents#slim}
 * copies; every failed pull goes into a bounded {@link PullFailureStore} and wakes the credentials
 * that target its namespace. When a credential is reconciled, {@link #assess} reads the
 * ServiceAccount of each new failing pod by one GET (pods are not cached) and returns the verdict.
 */
public final class PullHealthMonitor {
  private static final Logger LOG = LoggerFactory.getLogger(PullHealthMonitor.class);
  /** At most this many pods are read per assessment; the rest wait for the next one. */
  static final int POD_READS_PER_ASSESSMENT = 20;

  /** Told how many new failed pulls concern a credential, by kind (for the metric). */
  public interface Counter {
    void count(CredentialResource<?> rc, PullFailure.Kind kind, long n);
  }

  private final KubernetesClient client;
  private final PullFailureStore store;
  private final Counter counter;
  private volatile Duration window = PullHealth.WINDOW;

  public PullHealthMonitor(KubernetesClient client, PullFailureStore store, Counter counter) {
    this.client = client;
    this.store = store;
    this.counter = counter;
  }

  /** The window failures count in (ten minutes; shorter in tests). */
  public void window(Duration window) {
    this.window = window;
  }

  public Duration window() {
    return window;
  }

  public PullFailureStore store() {
    return store;
  }

  /**
   * The two Event informers.
   *
   * @param credentialsIn the credentials that target a namespace
   */
  public <P extends io.fabric8.kubernetes.api.model.HasMetadata> List<EventSource<?, P>> eventSources(
      EventSourceContext<P> context, Class<P> primary, Function<String, Set<ResourceID>> credentialsIn) {
    List<EventSource<?, P>> sources = new ArrayList<>();
    for (String reason : List.of(PullEvents.FAILED, PullEvents.BACK_OFF)) {
      sources.add(new InformerEventSource<>(
          InformerEventSourceConfiguration.from(Event.class, primary)
              .withName("pull-events-" + reason.toLowerCase(java.util.Locale.ROOT))
              .withNamespacesInheritedFromController()
              .withFieldSelector(new FieldSelector(new FieldSelector.Field("involvedObject.kind", "Pod"),
                  new FieldSelector.Field("reason", reason)))
              .withItemStore(new TransformingItemStore<>(PullEvents::slim))
              .withOnDeleteFilter((e, unknown) -> false)
              .withSecondaryToPrimaryMapper(e -> observe(e, credentialsIn))
              .build(),
          context));
    }
    return sources;
  }

  /**
   * What the informers do with each Event they see: a failed pull goes into the store and wakes
   * the credentials that target its namespace; anything else wakes none.
   */
  public Set<ResourceID> observe(Event e, Function<String, Set<ResourceID>> credentialsIn) {
    Optional<PullFailure> f = PullEvents.of(e);
    if (f.isEmpty()) {
      return Set.of();
    }
    store.record(f.get());
    return credentialsIn.apply(f.get().namespace());
  }

  /**
   * The verdict for a credential that serves {@code registries} by {@code rules}, on the failures
   * seen in its namespaces within the window. Counts new failures into the metric.
   */
  public PullHealth.Verdict assess(CredentialResource<?> rc, SpecCheck.ServingRules rules, List<String> registries,
      ClusterView view, Instant now) {
    return assess(rc, rules, registries, view, now, f -> {});
  }

  /** {@link #assess}, telling {@code concerning} each failure within the window that concerns the credential. */
  public PullHealth.Verdict assess(CredentialResource<?> rc, SpecCheck.ServingRules rules, List<String> registries,
      ClusterView view, Instant now, java.util.function.Consumer<PullFailure> concerning) {
    Instant since = now.minus(window);
    store.expire(since);
    List<PullFailureStore.Entry> entries = store.in(ns -> view.namespace(ns).map(rules.namespaces()::matches).orElse(false), since);
    int reads = 0;
    List<PullFailure> found = new ArrayList<>();
    for (PullFailureStore.Entry e : entries) {
      PullFailure f = e.failure();
      if (registries == null || registries.stream().noneMatch(r -> RegistryMatch.serves(r, f.image()))) {
        continue;
      }
      if (e.serviceAccount() == null && reads++ < POD_READS_PER_ASSESSMENT) {
        e.serviceAccount(serviceAccountOf(f));
      }
      if (PullHealth.concerns(new PullHealth.Seen(f, e.serviceAccount()), registries, (ns, sa) -> serves(view, rules, ns, sa))) {
        found.add(f);
        concerning.accept(f);
        long n = e.countFor(rc.getMetadata().getUid());
        if (n > 0) {
          counter.count(rc, f.kind(), n);
        }
      }
    }
    return PullHealth.verdict(found, now, window);
  }

  private static boolean serves(ClusterView view, SpecCheck.ServingRules rules, String namespace, String serviceAccount) {
    Optional<Namespace> ns = view.namespace(namespace);
    Optional<ServiceAccount> sa = view.serviceAccount(namespace, serviceAccount);
    return ns.isPresent() && sa.isPresent() && rules.serves(ns.get(), sa.get());
  }

  /** The failing pod's ServiceAccount; {@link PullFailureStore#POD_GONE} when the pod is gone or another has its name. */
  private String serviceAccountOf(PullFailure f) {
    try {
      Pod pod = client.pods().inNamespace(f.namespace()).withName(f.pod()).get();
      if (pod == null || !f.podUid().equals(pod.getMetadata().getUid())) {
        return PullFailureStore.POD_GONE;
      }
      String sa = pod.getSpec() == null ? null : pod.getSpec().getServiceAccountName();
      return sa == null || sa.isEmpty() ? "default" : sa;
    } catch (KubernetesClientException e) {
      LOG.debug("could not read a failing pod ({}); trying again at the next assessment", e.getCode());
      return null;
    }
  }
}
