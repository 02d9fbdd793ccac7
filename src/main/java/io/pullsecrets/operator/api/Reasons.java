package io.pullsecrets.operator.api;

/**
 * Every reason the operator writes: on conditions, on {@code status.failedNamespaces}, and on
 * Events. Users write alerts and scripts against these strings; the tables of docs/status.md list
 * them ({@code ReasonsDocumentedTest} checks both ways), and docs/reference/reasons.md is generated
 * from this file (one-line javadoc per constant, {@code // --- section ---} comments).
 */
public final class Reasons {
  // --- Ready, TokenValid (and Stalled or Reconciling): why no good credential is held ---
  /** A source Secret (or one of its keys) named by the spec does not exist. */
  public static final String SOURCE_NOT_FOUND = "SourceNotFound";
  /** A source Secret holds something unusable (not UTF-8, not a docker config, a bad key file). */
  public static final String INVALID_SOURCE = "InvalidSource";
  /** The provider refused the login (bad keys, bad token, wrong tenant). */
  public static final String AUTHENTICATION_FAILED = "AuthenticationFailed";
  /** The provider accepted the login but denied the call. */
  public static final String ACCESS_DENIED = "AccessDenied";
  /** The provider (or the API server, for a namespace's writes) asked to slow down. */
  public static final String THROTTLED = "Throttled";
  /** The registry named does not exist at the provider. */
  public static final String REGISTRY_NOT_FOUND = "RegistryNotFound";
  /** The provider did not answer, or answered with a server error. */
  public static final String PROVIDER_UNAVAILABLE = "ProviderUnavailable";
  /** The credential asks for what its namespace may not have (other namespaces, ambient identity, an endpoint). */
  public static final String NOT_PERMITTED = "NotPermitted";
  /** A spec value the operator refuses in every namespace (for example an API server audience). */
  public static final String INVALID_SPEC = "InvalidSpec";
  /** The last credential obtained has expired and no new one could be obtained. */
  public static final String TOKEN_EXPIRED = "TokenExpired";
  /** TokenValid=True: the operator holds a credential that has not expired. */
  public static final String VALID = "Valid";

  // --- Synced and Ready: the replicated Secrets ---
  /** Synced=True, Ready=True; also the Normal Event of a first sync. */
  public static final String SYNCED = "Synced";
  /** A namespace holds a Secret of the name that is not this credential's (also a Warning Event). */
  public static final String CONFLICT = "Conflict";
  /** Some namespaces failed for other reasons than conflicts. */
  public static final String SYNC_FAILED = "SyncFailed";
  /** Reconciling=True while failed namespaces wait for their retry. */
  public static final String RETRYING = "Retrying";

  // --- failedNamespaces: why one namespace failed (from the API server's answer) ---
  /** The operator may not write there (403). */
  public static final String FORBIDDEN = "Forbidden";
  /** The object was gone (404). */
  public static final String NOT_FOUND = "NotFound";
  /** A concurrent write won (409) twice. */
  public static final String WRITE_CONFLICT = "WriteConflict";
  /** The API server refused the object (422), for example an admission policy. */
  public static final String INVALID = "Invalid";
  /** The API server answered 5xx. */
  public static final String API_SERVER_ERROR = "ApiServerError";
  /** Any other refused write. */
  public static final String WRITE_FAILED = "WriteFailed";
  /** A target namespace outside the namespaces the operator watches (namespaced install). */
  public static final String NOT_WATCHED = "NotWatched";

  // --- Verified (verify: true) ---
  /** The registry accepted the credential at /v2/. */
  public static final String VERIFIED = "Verified";
  /** The registry answered 401. */
  public static final String UNAUTHORIZED = "Unauthorized";
  // FORBIDDEN (403) is shared with failedNamespaces.
  /** The registry answered another status. */
  public static final String UNEXPECTED_STATUS = "UnexpectedStatus";
  /** No answer came. */
  public static final String UNREACHABLE = "Unreachable";
  /** The operator refused to make the probe (an address or scheme an administrator did not allow). */
  public static final String REFUSED = "Refused";

  // --- PullsHealthy (does not change Ready) ---
  /** PullsHealthy=False, and its Warning Event: pulls it should serve were refused for authentication within the window. */
  public static final String PULLS_FAILING = "PullsFailing";
  /** PullsHealthy=True: no such failure within the window. */
  public static final String NO_FAILURES = "NoFailures";
  /** Normal Event on the credential and on the pod: spec.healPods deleted a pod admitted without the Secret, for its controller to create it again. */
  public static final String POD_HEALED = "PodHealed";

  // --- Events only ---
  /** Warning: a refresh failed (once per failure burst). */
  public static final String REFRESH_FAILED = "RefreshFailed";
  /** Normal: a Secret naming this credential as owner without its uid was taken over. */
  public static final String ADOPTED = "Adopted";
  /** Warning: an immutable Secret was deleted and created again to take a new credential. */
  public static final String IMMUTABLE_SECRET_REPLACED = "ImmutableSecretReplaced";

  private Reasons() {}
}
