package io.pullsecrets.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.pullsecrets.operator.Labels;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The informer queues its own object for its listeners while the item store keeps the transformed
 * copy; during a list of 100,000 managed Secrets the queue holds most of them. The transforms leave
 * the informer's object as light as the cached one: no data, no managedFields, no other annotations.
 */
class CacheTransformsTest {

  @Test
  void aManagedSecretsEventObjectKeepsOnlyWhatTheCacheKeeps() {
    Secret whole = new SecretBuilder().withNewMetadata().withName("regcred").withNamespace("team-a").withResourceVersion("7")
        .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)).withAnnotations(Map.of(Labels.OWNER_ANNOTATION, "platform/rc"))
        .withManagedFields(new ManagedFieldsEntryBuilder().withManager("pullsecret-operator").withOperation("Apply").build())
        .endMetadata().withType("kubernetes.io/dockerconfigjson").withData(Map.of(".dockerconfigjson", "e30=")).build();

    Secret cached = CacheTransforms.cacheSecret(whole);

    assertThat(whole.getData()).isEqualTo(cached.getData()).containsOnlyKeys(SecretDigests.DIGEST_KEY);
    assertThat(whole.getMetadata()).isSameAs(cached.getMetadata());
    assertThat(whole.getMetadata().getManagedFields()).isEmpty();
    assertThat(whole.getMetadata().getAnnotations()).containsEntry(Labels.OWNER_ANNOTATION, "platform/rc");
    assertThat(whole.getMetadata().getResourceVersion()).isEqualTo("7");
  }

  @Test
  void aServiceAccountsAndANamespacesEventObjectKeepOnlyWhatTheCacheKeeps() {
    ServiceAccount sa = new ServiceAccountBuilder().withNewMetadata().withName("default").withNamespace("team-a")
        .withAnnotations(Map.of("kubectl.kubernetes.io/last-applied-configuration", "{...}"))
        .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubectl").build()).endMetadata()
        .addNewImagePullSecret("regcred").addNewSecret().withName("token").endSecret().build();

    ServiceAccount cachedSa = CacheTransforms.cacheServiceAccount(sa);

    assertThat(sa.getMetadata()).isSameAs(cachedSa.getMetadata());
    assertThat(sa.getMetadata().getAnnotations()).isEmpty();
    assertThat(sa.getMetadata().getManagedFields()).isEmpty();
    assertThat(sa.getSecrets()).isEmpty();
    assertThat(sa.getImagePullSecrets()).isEqualTo(cachedSa.getImagePullSecrets()).hasSize(1);

    Namespace ns = new NamespaceBuilder().withNewMetadata().withName("team-a").withLabels(Map.of("team", "a"))
        .withAnnotations(Map.of("big", "x".repeat(1000))).endMetadata().withNewSpec().addToFinalizers("kubernetes").endSpec()
        .withNewStatus().withPhase("Active").endStatus().build();

    Namespace cachedNs = CacheTransforms.cacheNamespace(ns);

    assertThat(ns.getMetadata()).isSameAs(cachedNs.getMetadata());
    assertThat(ns.getMetadata().getAnnotations()).isEmpty();
    assertThat(ns.getMetadata().getLabels()).containsEntry("team", "a");
    assertThat(ns.getStatus().getPhase()).isEqualTo("Active");
    assertThat(ns.getSpec()).isNull();
  }
}
