package io.pullsecrets.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A RegistryCredential for the whole cluster: the same spec, cluster-scoped, so that RBAC on the kind
 * (not a namespace's name) decides who may target any namespace and use the operator's own cloud
 * identity. Its source Secrets are read from {@code spec.sourceNamespace}, which an administrator
 * allows (the operator's namespace, or one listed in PULLSECRET_CLUSTER_SOURCE_NAMESPACES).
 */
@Group(RegistryCredential.GROUP)
@Version(RegistryCredential.VERSION)
@Kind("ClusterRegistryCredential")
@Plural("clusterregistrycredentials")
@ShortNames("cregcred")
@Categories("pullsecrets")
// RegistryCredential's columns, in the order of RegistryCredential.PRINTER_COLUMNS (hack/update-crds.sh
// reorders them; CrdDriftTest checks it).
@AdditionalPrinterColumn(name = "READY", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING,
    getDescription = "Whether every target namespace holds the current credential")
@AdditionalPrinterColumn(name = "REASON", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason", type = AdditionalPrinterColumn.Type.STRING,
    getDescription = "The reason of the Ready condition")
@AdditionalPrinterColumn(name = "SYNCED", jsonPath = ".status.namespaces.summary", type = AdditionalPrinterColumn.Type.STRING,
    getDescription = "Synced / targeted namespaces")
@AdditionalPrinterColumn(name = "PROVIDER", jsonPath = ".status.provider", type = AdditionalPrinterColumn.Type.STRING)
// A string, not a date: kubectl renders a date column as the age of a past time, and a future
// expiry as "<invalid>".
@AdditionalPrinterColumn(name = "EXPIRES", jsonPath = ".status.expiresAt", type = AdditionalPrinterColumn.Type.STRING,
    getDescription = "When the current token expires (cloud providers)")
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "NEXT REFRESH", jsonPath = ".status.nextRefreshTime", type = AdditionalPrinterColumn.Type.STRING,
    priority = 1, getDescription = "When the operator mints the next token")
@AdditionalPrinterColumn(name = "PULLS", jsonPath = ".status.conditions[?(@.type==\"PullsHealthy\")].reason",
    type = AdditionalPrinterColumn.Type.STRING, priority = 1,
    getDescription = "Whether pulls this credential should serve fail (PullsFailing) or not (NoFailures)")
@AdditionalPrinterColumn(name = "MESSAGE", jsonPath = ".status.conditions[?(@.type==\"Ready\")].message",
    type = AdditionalPrinterColumn.Type.STRING, priority = 1, getDescription = "The message of the Ready condition")
public class ClusterRegistryCredential extends CredentialResource<ClusterRegistryCredentialSpec> {

  /** What {@code kubectl explain cregcred} says first. */
  public static final String DESCRIPTION = "A RegistryCredential for the whole cluster: registry credentials (a cloud provider or"
      + " Secrets of spec.sourceNamespace) replicated as an image pull secret (kubernetes.io/dockerconfigjson) into the"
      + " namespaces spec.targets names or selects, refreshed before they expire. Cluster-scoped: only those RBAC allows"
      + " may create it.";

  @Override
  @com.fasterxml.jackson.annotation.JsonPropertyDescription("Where the credentials come from, where they go, and when they are refreshed.")
  public ClusterRegistryCredentialSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @com.fasterxml.jackson.annotation.JsonPropertyDescription("What the operator observed: conditions, registries, expiry and namespace counts.")
  public RegistryCredentialStatus getStatus() {
    return super.getStatus();
  }

  @Override
  public String sourceNamespace() {
    return getSpec() == null ? null : getSpec().getSourceNamespace();
  }
}
