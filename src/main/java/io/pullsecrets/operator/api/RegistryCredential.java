package io.pullsecrets.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A source of registry credentials and the namespaces that should receive them as a pull secret. */
@Group(RegistryCredential.GROUP)
@Version(RegistryCredential.VERSION)
@Kind("RegistryCredential")
@Plural("registrycredentials")
@ShortNames("regcred")
@Categories("pullsecrets")
// kubectl shows these in the order of PRINTER_COLUMNS (the CRD generator sorts them by JSON path;
// the committed CRD is reordered by hack/update-crds.sh, and CrdDriftTest checks it).
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
public class RegistryCredential extends CredentialResource<RegistryCredentialSpec> implements Namespaced {

  public static final String GROUP = "pullsecrets.io";
  public static final String VERSION = "v1alpha1";
  /** What {@code kubectl explain regcred} says first. */
  public static final String DESCRIPTION = "A source of registry credentials (a cloud provider or a Secret) and the"
      + " namespaces and service accounts that receive them as an image pull secret (kubernetes.io/dockerconfigjson),"
      + " refreshed before they expire.";
  /** The order of the printer columns (kubectl get, then -o wide). */
  public static final java.util.List<String> PRINTER_COLUMNS =
      java.util.List.of("READY", "REASON", "SYNCED", "PROVIDER", "EXPIRES", "AGE", "NEXT REFRESH", "PULLS", "MESSAGE");

  @Override
  @com.fasterxml.jackson.annotation.JsonPropertyDescription("Where the credentials come from, where they go, and when they are refreshed.")
  public RegistryCredentialSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @com.fasterxml.jackson.annotation.JsonPropertyDescription("What the operator observed: conditions, registries, expiry and namespace counts.")
  public RegistryCredentialStatus getStatus() {
    return super.getStatus();
  }

  /** Its own namespace: a RegistryCredential reads Secrets nowhere else. */
  @Override
  public String sourceNamespace() {
    return getMetadata().getNamespace();
  }
}
