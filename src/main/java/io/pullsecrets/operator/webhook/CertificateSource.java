package io.pullsecrets.operator.webhook;

/** Where the webhook's serving certificate comes from; {@link #refresh()} runs periodically, never on the admission path. */
public interface CertificateSource {
  /** Loads (and, where the operator owns the certificate, creates or rotates) the material; throws when unavailable. */
  TlsMaterial refresh() throws Exception;

  /** A short description for logs. */
  String describe();
}
