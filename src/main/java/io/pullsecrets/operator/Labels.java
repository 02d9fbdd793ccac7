package io.pullsecrets.operator;

/** Labels and annotations the operator puts on what it manages. */
public final class Labels {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY_VALUE = "pullsecret-operator";
  public static final String CREDENTIAL_UID = "pullsecrets.io/credential-uid";
  /** namespace/name of the owning RegistryCredential, on managed Secrets. */
  public static final String OWNER_ANNOTATION = "pullsecrets.io/owner";
  /** Any new value forces a refresh of the credential. */
  public static final String REFRESH_REQUESTED_ANNOTATION = "pullsecrets.io/refresh-requested";
  /**
   * On a ServiceAccount: comma-separated names of the RegistryCredentials of its namespace that
   * may have the operator request its tokens ({@code *}: any of them). Without it, none may.
   */
  public static final String ALLOWED_CREDENTIALS_ANNOTATION = "pullsecrets.io/allowed-credentials";
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + MANAGED_BY_VALUE;

  private Labels() {}
}
