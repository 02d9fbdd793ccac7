package io.pullsecrets.operator.webhook;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's serving certificate (admission webhook and HTTPS metrics): loaded from a {@link
 * CertificateSource} now and every refresh interval, and handed to TLS through a key manager that
 * every handshake asks, so a renewed certificate is served without a restart.
 */
public final class ServingCertificate implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingCertificate.class);

  private final String purpose;
  private final CertificateSource source;
  private final RotatingKeyManager keys = new RotatingKeyManager();
  private final ScheduledExecutorService refresher;
  private volatile String problem;

  private ServingCertificate(String purpose, CertificateSource source) {
    this.purpose = purpose;
    this.source = source;
    this.problem = purpose + " certificate not loaded yet";
    this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "serving-certificate");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Loads the certificate (creating it if the operator owns it; on failure it starts without one,
   * {@link #problem()} says why, and it retries every refresh interval) and refreshes it every {@code refreshEvery}.
   */
  public static ServingCertificate start(String purpose, CertificateSource source, Duration refreshEvery) {
    ServingCertificate c = new ServingCertificate(purpose, source);
    c.refresh();
    c.refresher.scheduleWithFixedDelay(c::refresh, refreshEvery.toMillis(), refreshEvery.toMillis(), TimeUnit.MILLISECONDS);
    return c;
  }

  public X509KeyManager keyManager() {
    return keys;
  }

  /** The certificate being served (null before one loaded). */
  public TlsMaterial material() {
    return keys.material;
  }

  public CertificateSource source() {
    return source;
  }

  /** Empty once a certificate is loaded. */
  public Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  /** Loads the current certificate now (also what the periodic refresh runs). */
  public synchronized void refresh() {
    try {
      TlsMaterial m = source.refresh();
      TlsMaterial before = keys.material;
      if (before == null || !before.certPem().equals(m.certPem())) {
        keys.load(m);
        LOG.info("{} serving certificate loaded, valid until {}", purpose, m.notAfter());
      }
      problem = null;
    } catch (Exception e) {
      if (keys.material == null) {
        problem = purpose + " certificate unavailable: " + e.getClass().getSimpleName();
      }
      LOG.warn("cannot refresh the {} certificate from {}: {}", purpose, source.describe(), e.getMessage());
    }
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }

  /** A key manager whose certificate and key can be replaced while serving. */
  static final class RotatingKeyManager extends X509ExtendedKeyManager {
    static final String ALIAS = "serving";
    volatile TlsMaterial material;
    private volatile Current current;

    private record Current(X509Certificate[] chain, PrivateKey key) {}

    void load(TlsMaterial m) {
      current = new Current(m.chain().toArray(X509Certificate[]::new), m.privateKey());
      material = m;
    }

    private String alias(String keyType) {
      Current c = current;
      PrivateKey k = c == null ? null : c.key();
      if (k == null) {
        return null;
      }
      return keyType == null || keyType.equals(k.getAlgorithm()) || keyType.startsWith(k.getAlgorithm() + "_")
          || (k.getAlgorithm().equals("RSA") && keyType.startsWith("RSA")) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return alias(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return alias(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      String a = alias(keyType);
      return a == null ? null : new String[] {a};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      Current c = current;
      return ALIAS.equals(alias) && c != null ? c.chain() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      Current c = current;
      return ALIAS.equals(alias) && c != null ? c.key() : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }
}
