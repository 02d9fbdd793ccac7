package io.pullsecrets.operator.webhook;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's own CA and serving certificate, kept in a Secret in its namespace that every
 * replica reads, and the {@code caBundle} of its MutatingWebhookConfiguration kept equal to the
 * Secret's bundle.
 *
 * <p>Replicas agree on one certificate: the Secret is created only if absent and replaced only
 * with the resourceVersion that was read (optimistic concurrency); a replica that loses the race
 * (409) reads the winner's certificate and uses it. A rotation keeps the previous CA in the
 * bundle, so replicas still serving the previous certificate until their next refresh stay trusted.
 */
public final class SelfManagedCertificates implements CertificateSource {
  private static final Logger LOG = LoggerFactory.getLogger(SelfManagedCertificates.class);
  public static final String CA_KEY = "ca.key";
  public static final String BUNDLE = "ca-bundle.crt";
  public static final Duration VALIDITY = Duration.ofDays(365);

  private final KubernetesClient client;
  private final String namespace;
  private final String secretName;
  private final String configurationName;
  private final List<String> dnsNames;
  private final Clock clock;
  private final Duration validity;
  private final AtomicBoolean forceRotation = new AtomicBoolean();

  public SelfManagedCertificates(KubernetesClient client, String namespace, String secretName, String configurationName,
      String serviceName, Clock clock, Duration validity) {
    this(client, namespace, secretName, configurationName, List.of(serviceName), clock, validity);
  }

  /**
   * @param serviceNames the Services in front of the operator's HTTPS ports (webhook, metrics): the
   *     certificate names each in every form a client in the cluster may use, and localhost
   */
  public SelfManagedCertificates(KubernetesClient client, String namespace, String secretName, String configurationName,
      List<String> serviceNames, Clock clock, Duration validity) {
    this.client = client;
    this.namespace = namespace;
    this.secretName = secretName;
    this.configurationName = configurationName;
    List<String> names = new ArrayList<>();
    for (String serviceName : serviceNames) {
      names.addAll(List.of(serviceName + "." + namespace + ".svc", serviceName + "." + namespace + ".svc.cluster.local",
          serviceName + "." + namespace, serviceName));
    }
    names.add("localhost");
    this.dnsNames = List.copyOf(new java.util.LinkedHashSet<>(names));
    this.clock = clock;
    this.validity = validity;
  }

  /** The DNS names the serving certificate carries. */
  public List<String> dnsNames() {
    return dnsNames;
  }

  /** Whether {@code m} names every DNS name this operator serves under (a new Service needs a new certificate). */
  boolean covers(TlsMaterial m) {
    try {
      java.util.Collection<List<?>> sans = m.chain().get(0).getSubjectAlternativeNames();
      java.util.Set<String> have = new java.util.HashSet<>();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(2).equals(san.get(0))) {
            have.add(String.valueOf(san.get(1)));
          }
        }
      }
      return have.containsAll(dnsNames);
    } catch (java.security.cert.CertificateParsingException | RuntimeException e) {
      return false;
    }
  }

  /** The next {@link #refresh()} replaces the certificate even if it is not due. */
  public void requestRotation() {
    forceRotation.set(true);
  }

  /** Due for rotation once less than a third of its lifetime is left (about 4 months of a year). */
  boolean due(TlsMaterial m, Instant now) {
    Duration lifetime = Duration.between(m.notBefore(), m.notAfter());
    return !now.isBefore(m.notAfter().minus(lifetime.dividedBy(3)));
  }

  @Override
  public TlsMaterial refresh() {
    boolean force = forceRotation.getAndSet(false);
    for (int attempt = 0; attempt < 5; attempt++) {
      Instant now = clock.instant();
      Secret current = client.secrets().inNamespace(namespace).withName(secretName).get();
      TlsMaterial stored = current == null ? null : parse(current);
      if (stored != null && !force && !due(stored, now) && covers(stored)) {
        syncCaBundle(stored.bundlePem());
        return stored;
      }
      TlsMaterial fresh = TlsMaterial.generate(dnsNames, now, validity, stored == null ? null : stored.bundlePem());
      Secret desired = secret(fresh);
      try {
        if (current == null) {
          client.secrets().inNamespace(namespace).resource(desired).create();
          LOG.info("created the serving certificate in Secret {}/{}, valid until {}", namespace, secretName, fresh.notAfter());
        } else {
          desired.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
          client.secrets().inNamespace(namespace).resource(desired).update();
          LOG.info("rotated the serving certificate in Secret {}/{} ({}), valid until {}", namespace, secretName,
              stored == null ? "unreadable before" : force ? "requested" : !covers(stored) ? "new DNS names" : "due", fresh.notAfter());
        }
        syncCaBundle(fresh.bundlePem());
        return fresh;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // Another replica wrote first: read its certificate and use it.
        force = false;
        LOG.debug("another replica wrote Secret {}/{} first; reading it", namespace, secretName);
      }
    }
    throw new IllegalStateException("Secret " + namespace + "/" + secretName + " keeps changing; retrying later");
  }

  private TlsMaterial parse(Secret s) {
    Map<String, String> d = s.getData() == null ? Map.of() : s.getData();
    try {
      String ca = dec(d.get("ca.crt"));
      String bundle = dec(d.get(BUNDLE));
      TlsMaterial m = new TlsMaterial(dec(d.get("tls.crt")), dec(d.get("tls.key")), ca, dec(d.get(CA_KEY)),
          bundle.isBlank() ? ca : bundle).validate();
      TlsMaterial.certificates(m.bundlePem());
      return m;
    } catch (RuntimeException e) {
      LOG.warn("Secret {}/{} does not hold a usable certificate ({}); replacing it", namespace, secretName, e.getClass().getSimpleName());
      return null;
    }
  }

  private Secret secret(TlsMaterial m) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("tls.crt", enc(m.certPem()));
    data.put("tls.key", enc(m.keyPem()));
    data.put("ca.crt", enc(m.caPem()));
    data.put(CA_KEY, enc(m.caKeyPem()));
    data.put(BUNDLE, enc(m.bundlePem()));
    return new SecretBuilder().withNewMetadata().withName(secretName).withNamespace(namespace)
        .addToLabels("app.kubernetes.io/name", "pullsecret-operator")
        .addToLabels("app.kubernetes.io/component", "webhook")
        .endMetadata().withType("kubernetes.io/tls").withData(data).build();
  }

  /**
   * Sets every webhook's {@code clientConfig.caBundle} of the MutatingWebhookConfiguration to the
   * bundle where it differs (a JSON patch guarded by the webhook's name). Absent configuration: nothing to do.
   */
  void syncCaBundle(String bundlePem) {
    String want = enc(bundlePem);
    MutatingWebhookConfiguration mwc;
    try {
      mwc = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(configurationName).get();
    } catch (KubernetesClientException e) {
      LOG.warn("cannot read MutatingWebhookConfiguration {}: HTTP {}", configurationName, e.getCode());
      return;
    }
    if (mwc == null) {
      LOG.debug("MutatingWebhookConfiguration {} does not exist; no caBundle to keep", configurationName);
      return;
    }
    List<String> ops = new ArrayList<>();
    List<MutatingWebhook> hooks = mwc.getWebhooks() == null ? List.of() : mwc.getWebhooks();
    for (int i = 0; i < hooks.size(); i++) {
      MutatingWebhook h = hooks.get(i);
      if (h.getClientConfig() != null && !want.equals(h.getClientConfig().getCaBundle())) {
        ops.add("{\"op\":\"test\",\"path\":\"/webhooks/" + i + "/name\",\"value\":\"" + h.getName() + "\"}");
        ops.add("{\"op\":\"add\",\"path\":\"/webhooks/" + i + "/clientConfig/caBundle\",\"value\":\"" + want + "\"}");
      }
    }
    if (ops.isEmpty()) {
      return;
    }
    try {
      client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(configurationName)
          .patch(PatchContext.of(PatchType.JSON), "[" + String.join(",", ops) + "]");
      LOG.info("set caBundle of MutatingWebhookConfiguration {}", configurationName);
    } catch (KubernetesClientException e) {
      LOG.warn("cannot patch caBundle of MutatingWebhookConfiguration {}: HTTP {}", configurationName, e.getCode());
    }
  }

  @Override
  public String describe() {
    return "Secret " + namespace + "/" + secretName;
  }

  private static String enc(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String dec(String b64) {
    return b64 == null ? "" : new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
  }
}
