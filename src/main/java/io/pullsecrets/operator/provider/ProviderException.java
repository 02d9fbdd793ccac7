package io.pullsecrets.operator.provider;

/**
 * A provider could not produce a credential. The reason is one CamelCase word a user can act on
 * (it becomes the condition reason); the message is for people and must never contain secret
 * material.
 */
public class ProviderException extends Exception {
  private final String reason;
  private final boolean retryable;

  public ProviderException(String reason, String message, boolean retryable) {
    super(message, null, false, false);
    this.reason = reason;
    this.retryable = retryable;
  }

  /** Bad or missing input: retrying will not help until the user changes something. */
  public static ProviderException invalid(String reason, String message) {
    return new ProviderException(reason, message, false);
  }

  /** A failure that may pass: retried with backoff. */
  public static ProviderException transientFailure(String reason, String message) {
    return new ProviderException(reason, message, true);
  }

  public String reason() {
    return reason;
  }

  public boolean retryable() {
    return retryable;
  }
}
