package io.pullsecrets.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
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
@AdditionalPrinterColumn(name = "PROVIDER", jsonPath = ".status.provider", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "READY", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "SYNCED", jsonPath = ".status.namespaces.summary", type = AdditionalPrinterColumn.Type.STRING)
// A string, not a date: kubectl renders a date column as the age of a past time, and a future
// expiry as "<invalid>".
@AdditionalPrinterColumn(name = "EXPIRES", jsonPath = ".status.expiresAt", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "MESSAGE", jsonPath = ".status.conditions[?(@.type==\"Ready\")].message",
    type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class RegistryCredential extends CustomResource<RegistryCredentialSpec, RegistryCredentialStatus>
    implements Namespaced {

  public static final String GROUP = "pullsecrets.io";
  public static final String VERSION = "v1alpha1";

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
}
