package io.pullsecrets.operator.provider.cloud;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made once per test JVM with the JDK's
 * keytool: {@link #serverContext()} for stubs, {@link #clientContext()} /
 * {@link #trustManagerFactory()} for the client side.
 */
public final class TestTls {
  public static final char[] PASSWORD = "changeit".toCharArray();
  private static KeyStore keyStore;

  private TestTls() {}

  public static synchronized KeyStore keyStore() throws Exception {
    if (keyStore == null) {
      keyStore = generate("stub", "CN=127.0.0.1", "-keyalg", "EC", "-groupname", "secp256r1",
          "-ext", "SAN=IP:127.0.0.1,DNS:localhost");
    }
    return keyStore;
  }

  /** A fresh PKCS12 key store with one self-signed key pair under {@code alias}, made by keytool. */
  public static KeyStore generate(String alias, String dname, String... keyOptions) throws Exception {
    Path dir = Files.createTempDirectory("stub-tls");
    Path file = dir.resolve(alias + ".p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(keytool, "-genkeypair", "-alias", alias,
        "-dname", dname, "-validity", "2", "-storetype", "PKCS12", "-keystore", file.toString(),
        "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)));
    cmd.addAll(java.util.List.of(keyOptions));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      ks.load(in, PASSWORD);
    }
    return ks;
  }

  /** PEM text of DER bytes. */
  public static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  public static SSLContext serverContext() throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keyStore(), PASSWORD);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  public static TrustManagerFactory trustManagerFactory() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("stub", keyStore().getCertificate("stub"));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return tmf;
  }

  public static SSLContext clientContext() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, trustManagerFactory().getTrustManagers(), null);
    return ctx;
  }
}
