package io.pullsecrets.operator.spec;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.pullsecrets.operator.api.CredentialResource;
import io.pullsecrets.operator.api.RegistryCredential;
import io.pullsecrets.operator.api.ServiceAccountsSpec;
import io.pullsecrets.operator.api.TargetsSpec;
import io.pullsecrets.operator.config.OperatorConfig;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Which namespaces and service accounts a RegistryCredential targets.
 *
 * @param namespaces existing, live (not terminating), watched namespaces to sync
 * @param notWatched namespaces named or selected that the operator does not watch
 * @param serviceAccounts which service accounts to patch in each of them
 */
public record Targets(SortedSet<String> namespaces, SortedSet<String> notWatched, Predicate<ServiceAccount> serviceAccounts) {

  public static final List<String> DEFAULT_SERVICE_ACCOUNTS = List.of("default");

  /** Resolves the targets against the namespaces the operator sees. */
  public static Targets resolve(CredentialResource<?> rc, Collection<Namespace> all, OperatorConfig config)
      throws LabelSelectors.InvalidSelectorException {
    NamespaceRule rule = namespaceRule(rc);
    SortedSet<String> targets = new TreeSet<>();
    SortedSet<String> notWatched = new TreeSet<>();
    for (Namespace ns : all) {
      if (rule.matches(ns)) {
        String name = ns.getMetadata().getName();
        if (config.watches(name)) {
          targets.add(name);
        } else {
          notWatched.add(name);
        }
      }
    }
    return new Targets(targets, notWatched, serviceAccounts(rc.getSpec().getServiceAccounts()));
  }

  /**
   * Which namespaces a RegistryCredential asks for, one namespace at a time: what {@link #resolve}
   * applies to every namespace and the admission webhook to the namespace of a pod.
   */
  public record NamespaceRule(Set<String> listed, Predicate<Map<String, String>> selector, Set<String> excluded) {
    /** Whether the namespace is asked for: live, not excluded, and named or selected (watched or not). */
    public boolean matches(Namespace ns) {
      String name = ns.getMetadata().getName();
      if (excluded.contains(name) || isTerminating(ns)) {
        return false;
      }
      return listed.contains(name) || (selector != null && selector.test(ns.getMetadata().getLabels()));
    }
  }

  /** Compiles the namespace part of the spec (spec.targets). */
  public static NamespaceRule namespaceRule(CredentialResource<?> rc) throws LabelSelectors.InvalidSelectorException {
    String own = rc.getMetadata().getNamespace();
    TargetsSpec spec = rc.getSpec().getTargets();
    List<String> names = spec == null || spec.getNamespaces() == null ? List.of() : spec.getNamespaces();
    boolean selectorGiven = spec != null && spec.getNamespaceSelector() != null;
    Predicate<Map<String, String>> selector =
        selectorGiven ? LabelSelectors.compile(spec.getNamespaceSelector(), "spec.targets.namespaceSelector") : null;
    Set<String> excluded = new HashSet<>(spec == null || spec.getExcludeNamespaces() == null ? List.of() : spec.getExcludeNamespaces());
    // A ClusterRegistryCredential has no namespace of its own: SpecCheck requires its targets.
    Set<String> listed = names.isEmpty() && !selectorGiven && own != null ? Set.of(own) : Set.copyOf(names);
    return new NamespaceRule(listed, selector, Set.copyOf(excluded));
  }

  /**
   * Whether the spec asks for any namespace other than the resource's own: another name, or a
   * namespace selector (which can match any namespace).
   */
  public static boolean requestsOtherNamespaces(CredentialResource<?> rc) {
    String own = rc.getMetadata().getNamespace();
    TargetsSpec spec = rc.getSpec().getTargets();
    if (spec == null) {
      return false;
    }
    return spec.getNamespaceSelector() != null
        || (spec.getNamespaces() != null && spec.getNamespaces().stream().anyMatch(ns -> !ns.equals(own)));
  }

  public static boolean isTerminating(Namespace ns) {
    return ns.getMetadata().getDeletionTimestamp() != null
        || (ns.getStatus() != null && "Terminating".equals(ns.getStatus().getPhase()));
  }

  /** Compiles spec.serviceAccounts: which service accounts of a target namespace get the entry. */
  public static Predicate<ServiceAccount> serviceAccounts(ServiceAccountsSpec spec)
      throws LabelSelectors.InvalidSelectorException {
    if (spec != null && Boolean.TRUE.equals(spec.getAll())) {
      return sa -> true;
    }
    if (spec != null && spec.getSelector() != null) {
      Predicate<Map<String, String>> selector =
          LabelSelectors.compile(spec.getSelector(), "spec.serviceAccounts.selector");
      return sa -> selector.test(sa.getMetadata().getLabels());
    }
    Set<String> names = Set.copyOf(spec == null || spec.getNames() == null ? DEFAULT_SERVICE_ACCOUNTS : spec.getNames());
    return sa -> names.contains(sa.getMetadata().getName());
  }
}
