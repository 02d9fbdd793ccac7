package io.pullsecrets.operator.api;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the CRD generator cannot say, applied to its output: the printer columns in the order of
 * {@link RegistryCredential#PRINTER_COLUMNS} (the generator sorts them by JSON path), the
 * top-level description for {@code kubectl explain} (of either kind), and {@code status.conditions} as a list
 * keyed by {@code type}. {@code hack/update-crds.sh} writes the result to {@code crds/};
 * {@link CrdDriftTest} checks that the committed file is exactly this.
 */
public final class CrdFinisher {
  private CrdFinisher() {}

  public static String finish(String generated) {
    CustomResourceDefinition crd = Serialization.unmarshal(generated, CustomResourceDefinition.class);
    for (CustomResourceDefinitionVersion v : crd.getSpec().getVersions()) {
      List<CustomResourceColumnDefinition> columns = new ArrayList<>(v.getAdditionalPrinterColumns());
      List<String> names = columns.stream().map(CustomResourceColumnDefinition::getName).sorted().toList();
      if (!names.equals(RegistryCredential.PRINTER_COLUMNS.stream().sorted().toList())) {
        throw new IllegalStateException("printer columns " + names + " differ from RegistryCredential.PRINTER_COLUMNS");
      }
      columns.sort(Comparator.comparing(c -> RegistryCredential.PRINTER_COLUMNS.indexOf(c.getName())));
      v.setAdditionalPrinterColumns(columns);
      JSONSchemaProps root = v.getSchema().getOpenAPIV3Schema();
      root.setDescription("ClusterRegistryCredential".equals(crd.getSpec().getNames().getKind())
          ? ClusterRegistryCredential.DESCRIPTION : RegistryCredential.DESCRIPTION);
      JSONSchemaProps conditions = root.getProperties().get("status").getProperties().get("conditions");
      conditions.setXKubernetesListType("map");
      conditions.setXKubernetesListMapKeys(List.of("type"));
      List<String> required = new ArrayList<>(conditions.getItems().getSchema().getRequired());
      if (!required.contains("type")) {
        required.add("type");
      }
      conditions.getItems().getSchema().setRequired(required);
    }
    String header = generated.lines().findFirst().filter(l -> l.startsWith("#")).orElse("");
    String yaml = Serialization.asYaml(crd);
    return header + "\n" + yaml.replaceFirst("^---\n", "");
  }

  /** {@code CrdFinisher GENERATED OUTPUT}. */
  public static void main(String[] args) throws Exception {
    Files.writeString(Path.of(args[1]), finish(Files.readString(Path.of(args[0]))));
  }
}
