package io.pullsecrets.operator.provider;

/** Condition reasons shared by providers and the reconciler. */
public final class Reasons {
  public static final String SOURCE_NOT_FOUND = "SourceNotFound";
  public static final String INVALID_SOURCE = "InvalidSource";
  public static final String AUTHENTICATION_FAILED = "AuthenticationFailed";
  public static final String ACCESS_DENIED = "AccessDenied";
  public static final String THROTTLED = "Throttled";
  public static final String REGISTRY_NOT_FOUND = "RegistryNotFound";
  public static final String PROVIDER_UNAVAILABLE = "ProviderUnavailable";
  public static final String NOT_PERMITTED = "NotPermitted";
  /** A spec value the operator refuses in every namespace (for example an API server audience). */
  public static final String INVALID_SPEC = "InvalidSpec";

  private Reasons() {}
}
