package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** The spec of a {@link ClusterRegistryCredential}: a RegistryCredential's, and where its sources are read. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClusterRegistryCredentialSpec extends RegistryCredentialSpec {
  /** An RFC 1123 label, as the API server requires of namespace names. */
  public static final String NAMESPACE_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  @Required
  @Pattern(NAMESPACE_PATTERN)
  @Size(max = 63)
  @JsonPropertyDescription("Namespace of the source Secrets (every secretRef) and of the ServiceAccounts whose tokens a provider may request. It must be the operator's namespace or one an administrator listed in the operator's setting PULLSECRET_CLUSTER_SOURCE_NAMESPACES; any other is refused (NotPermitted) and nothing is read there. spec.targets is required: the kind has no namespace of its own.")
  private String sourceNamespace;

  public String getSourceNamespace() {
    return sourceNamespace;
  }

  public void setSourceNamespace(String sourceNamespace) {
    this.sourceNamespace = sourceNamespace;
  }
}
