package io.pullsecrets.operator.webhook;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * PEM certificates and keys: a serving certificate with its key and chain, and the CA bundle the
 * API server should trust. Generation (EC P-256, SHA-256) uses BouncyCastle's certificate builder
 * with the JDK's crypto providers.
 *
 * @param certPem the serving certificate (PEM)
 * @param keyPem its PKCS#8 private key (PEM "PRIVATE KEY")
 * @param caPem the CA that signed it (PEM; empty when unknown, as with cert-manager files)
 * @param caKeyPem the CA's private key (PEM; empty when the operator does not own the CA)
 * @param bundlePem the CAs the API server should trust: the current one, plus the previous one
 *     until its certificates expire, so replicas still serving the old certificate stay trusted
 */
public record TlsMaterial(String certPem, String keyPem, String caPem, String caKeyPem, String bundlePem) {
  private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A new CA and a serving certificate for {@code dnsNames} (and 127.0.0.1), both valid for {@code validity}. */
  public static TlsMaterial generate(List<String> dnsNames, Instant now, Duration validity, String previousBundle) {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      KeyPair caKeys = gen.generateKeyPair();
      KeyPair leafKeys = gen.generateKeyPair();
      Date from = Date.from(now.minus(Duration.ofMinutes(5)));
      Date until = Date.from(now.plus(validity));
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X500Name caName = new X500Name("CN=pullsecret-operator-webhook-ca-" + now.getEpochSecond());
      JcaX509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(caName, new BigInteger(64, RANDOM).add(BigInteger.ONE),
          from, until, caName, caKeys.getPublic());
      ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      ca.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caKeys.getPublic()));
      X509Certificate caCert = sign(ca, caKeys.getPrivate());

      List<GeneralName> sans = new ArrayList<>();
      dnsNames.forEach(n -> sans.add(new GeneralName(GeneralName.dNSName, n)));
      sans.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
      JcaX509v3CertificateBuilder leaf = new JcaX509v3CertificateBuilder(caCert, new BigInteger(64, RANDOM).add(BigInteger.ONE),
          from, until, new X500Name("CN=" + dnsNames.get(0)), leafKeys.getPublic());
      leaf.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      leaf.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      leaf.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      leaf.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
      leaf.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
      X509Certificate leafCert = sign(leaf, caKeys.getPrivate());

      String caPem = pem("CERTIFICATE", caCert.getEncoded());
      StringBuilder bundle = new StringBuilder(caPem);
      // Keep the previous CAs that are still valid, so certificates they signed stay trusted.
      if (previousBundle != null) {
        for (X509Certificate old : certificates(previousBundle)) {
          if (old.getNotAfter().toInstant().isAfter(now) && !old.equals(caCert)) {
            bundle.append(pem("CERTIFICATE", old.getEncoded()));
            break; // one previous CA is enough: rotations are months apart
          }
        }
      }
      return new TlsMaterial(pem("CERTIFICATE", leafCert.getEncoded()), pem("PRIVATE KEY", leafKeys.getPrivate().getEncoded()),
          caPem, pem("PRIVATE KEY", caKeys.getPrivate().getEncoded()), bundle.toString());
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException | java.io.IOException e) {
      throw new IllegalStateException("cannot generate the webhook certificate: " + e.getMessage(), e);
    }
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key)
      throws org.bouncycastle.operator.OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
  }

  /** The serving certificate chain (leaf first). */
  public List<X509Certificate> chain() {
    return certificates(certPem);
  }

  /** When the serving certificate stops being valid. */
  public Instant notAfter() {
    return chain().get(0).getNotAfter().toInstant();
  }

  public Instant notBefore() {
    return chain().get(0).getNotBefore().toInstant();
  }

  public PrivateKey privateKey() {
    byte[] der = blocks(keyPem, "PRIVATE KEY").stream().findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no PKCS#8 PRIVATE KEY block"));
    for (String alg : List.of("EC", "RSA")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException("the private key is neither EC nor RSA PKCS#8");
  }

  /** Checks that the PEM parses and the key belongs to the certificate; throws otherwise. */
  public TlsMaterial validate() {
    X509Certificate leaf = chain().get(0);
    PrivateKey key = privateKey();
    try {
      java.security.Signature sig = java.security.Signature.getInstance(key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA");
      sig.initSign(key);
      sig.update(new byte[] {1, 2, 3});
      byte[] s = sig.sign();
      sig.initVerify(leaf.getPublicKey());
      sig.update(new byte[] {1, 2, 3});
      if (!sig.verify(s)) {
        throw new IllegalArgumentException("the private key does not match the certificate");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the private key does not match the certificate", e);
    }
    return this;
  }

  public static List<X509Certificate> certificates(String pem) {
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (byte[] der : blocks(pem, "CERTIFICATE")) {
        out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("invalid certificate PEM", e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no CERTIFICATE block");
    }
    return out;
  }

  private static List<byte[]> blocks(String pem, String type) {
    List<byte[]> out = new ArrayList<>();
    Matcher m = PEM.matcher(pem == null ? "" : pem);
    while (m.find()) {
      if (m.group(1).equals(type)) {
        out.add(Base64.getMimeDecoder().decode(m.group(2).trim()));
      }
    }
    return out;
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  @Override
  public String toString() {
    return "TlsMaterial[notAfter=" + notAfter() + "]"; // never the keys
  }
}
