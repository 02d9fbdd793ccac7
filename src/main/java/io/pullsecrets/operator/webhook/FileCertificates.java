package io.pullsecrets.operator.webhook;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code tls.crt} and {@code tls.key} (PKCS#8) from a folder, such as a cert-manager Secret mounted
 * into the pod; re-read on every refresh, so a renewed Secret is served within a refresh interval.
 * The API server's trust comes from cert-manager's CA injector, not from the operator.
 */
public final class FileCertificates implements CertificateSource {
  private final Path dir;

  public FileCertificates(Path dir) {
    this.dir = dir;
  }

  @Override
  public TlsMaterial refresh() throws Exception {
    String crt = Files.readString(dir.resolve("tls.crt"));
    String key = Files.readString(dir.resolve("tls.key"));
    Path ca = dir.resolve("ca.crt");
    String caPem = Files.isReadable(ca) ? Files.readString(ca) : "";
    return new TlsMaterial(crt, key, caPem, "", caPem).validate();
  }

  @Override
  public String describe() {
    return "files in " + dir;
  }
}
