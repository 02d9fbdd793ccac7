package io.pullsecrets.operator.health;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which core/v1 Events are failed image pulls, and what of them is kept. The kubelet reports a
 * failed pull as a Warning on the pod with reason {@code Failed} and message {@code Failed to pull
 * image "<image>": <error>}, then, while it backs off, with reason {@code BackOff} and message
 * {@code Back-off pulling image "<image>"} (no error: the kubelet adds it to the container's
 * waiting message in the pod's status, not to the Event). Its
 * companions {@code Error: ErrImagePull} and {@code Error: ImagePullBackOff} name no image and
 * are not kept. Anyone who may create Events in a namespace can write such an Event: every field
 * kept is bounded and control characters are replaced.
 */
public final class PullEvents {
  /**
   * Longest image reference kept: the longest valid one, a name of 255 characters (the
   * distribution reference's limit), a tag of 128 with its colon, a sha256 digest with its
   * {@code @sha256:}. A longer one is no image the kubelet would pull, and is not kept.
   */
  public static final int MAX_IMAGE = 255 + 129 + 72;
  /** Longest kubelet message kept. */
  public static final int MAX_MESSAGE = 512;
  /**
   * Longest message the informer caches: enough for the kubelet's message about the longest image
   * (which names it three times) and its error.
   */
  static final int MAX_CACHED_MESSAGE = 3 * MAX_IMAGE + 2 * MAX_MESSAGE;
  /** The reasons the kubelet gives a failed pull; the informers select each server-side. */
  public static final String FAILED = "Failed";
  public static final String BACK_OFF = "BackOff";

  private static final String PULL_FAILED = "Failed to pull image \"";
  private static final String BACKING_OFF = "Back-off pulling image \"";
  private static final Pattern AUTH = Pattern.compile(
      "\\b40[13]\\b|unauthorized|denied|no basic auth credentials|authentication required|authorization failed|forbidden");
  private static final Pattern NOT_FOUND = Pattern.compile("not found|manifest unknown|name unknown|does not exist");

  private PullEvents() {}

  /** The failed pull an Event reports, or empty when it reports none. */
  public static Optional<PullFailure> of(Event e) {
    ObjectReference pod = e.getInvolvedObject();
    String message = e.getMessage();
    if (pod == null || !"Pod".equals(pod.getKind()) || message == null || pod.getName() == null || pod.getUid() == null
        || !(FAILED.equals(e.getReason()) || BACK_OFF.equals(e.getReason()))) {
      return Optional.empty();
    }
    String prefix = message.startsWith(PULL_FAILED) ? PULL_FAILED : message.startsWith(BACKING_OFF) ? BACKING_OFF : null;
    if (prefix == null) {
      return Optional.empty();
    }
    int end = message.indexOf('"', prefix.length());
    if (end < 0 || end == prefix.length() || end - prefix.length() > MAX_IMAGE) {
      return Optional.empty();
    }
    String image = message.substring(prefix.length(), end);
    if (!image.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      return Optional.empty();
    }
    String namespace = pod.getNamespace() != null ? pod.getNamespace() : e.getMetadata().getNamespace();
    if (namespace == null || !namespace.equals(e.getMetadata().getNamespace())) {
      // An Event names objects of its own namespace only.
      return Optional.empty();
    }
    Instant last = firstNonNull(time(e.getSeries() == null || e.getSeries().getLastObservedTime() == null ? null
        : e.getSeries().getLastObservedTime().getTime()),
        time(e.getLastTimestamp()), time(e.getEventTime() == null ? null : e.getEventTime().getTime()),
        time(e.getMetadata().getCreationTimestamp()));
    Instant first = firstNonNull(time(e.getFirstTimestamp()), time(e.getEventTime() == null ? null : e.getEventTime().getTime()), last);
    if (last == null) {
      return Optional.empty();
    }
    long count = Math.max(1, e.getSeries() != null && e.getSeries().getCount() != null ? e.getSeries().getCount()
        : e.getCount() == null ? 1 : e.getCount());
    String kept = sanitize(message, MAX_MESSAGE);
    return Optional.of(new PullFailure(namespace, bounded(pod.getName(), 253), bounded(pod.getUid(), 64), image, kept,
        classify(message, image), first, last, count));
  }

  /**
   * Whether the kubelet's report is a bare back-off: {@code Back-off pulling image "<image>"} and
   * nothing more. The kubelet's {@code BackOff} Event never carries the error (it adds it only to
   * the container's waiting message in the pod's status): it says that the pull still fails, not
   * why, so it does not change what an earlier {@code Failed} report said.
   */
  public static boolean isBareBackOff(PullFailure f) {
    return f.message().equals(BACKING_OFF + f.image() + "\"");
  }

  /**
   * What the informer caches of an Event: for a failed pull, the fields {@link #of} reads (the
   * message bounded); for any other Event, its name only.
   */
  public static Event slim(Event e) {
    ObjectMetaBuilder meta = new ObjectMetaBuilder().withName(e.getMetadata().getName())
        .withNamespace(e.getMetadata().getNamespace()).withResourceVersion(e.getMetadata().getResourceVersion());
    if (of(e).isEmpty()) {
      return new EventBuilder().withMetadata(meta.build()).build();
    }
    ObjectReference pod = e.getInvolvedObject();
    return new EventBuilder()
        .withMetadata(meta.withCreationTimestamp(e.getMetadata().getCreationTimestamp()).build())
        .withInvolvedObject(new ObjectReferenceBuilder().withKind(pod.getKind()).withNamespace(pod.getNamespace())
            .withName(pod.getName()).withUid(pod.getUid()).build())
        .withReason(e.getReason())
        .withMessage(e.getMessage().length() > MAX_CACHED_MESSAGE ? e.getMessage().substring(0, MAX_CACHED_MESSAGE) : e.getMessage())
        .withCount(e.getCount())
        .withFirstTimestamp(e.getFirstTimestamp())
        .withLastTimestamp(e.getLastTimestamp())
        .withEventTime(e.getEventTime())
        .withSeries(e.getSeries())
        .build();
  }

  /**
   * What the message says went wrong. The image reference is taken out first (a tag such as
   * {@code :401} is no status code).
   */
  public static PullFailure.Kind classify(String message, String image) {
    String text = (image == null || image.isEmpty() ? message : message.replace(image, "")).toLowerCase(Locale.ROOT);
    if (AUTH.matcher(text).find()) {
      return PullFailure.Kind.AUTH;
    }
    if (NOT_FOUND.matcher(text).find()) {
      return PullFailure.Kind.NOTFOUND;
    }
    return PullFailure.Kind.OTHER;
  }

  /** At most {@code max} characters, control and non-ASCII-printable characters replaced by '?'. */
  public static String sanitize(String text, int max) {
    StringBuilder sb = new StringBuilder(Math.min(text.length(), max));
    for (int i = 0; i < text.length() && sb.length() < max; i++) {
      char c = text.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    if (text.length() > max) {
      sb.setLength(max - 3);
      sb.append("...");
    }
    return sb.toString();
  }

  /**
   * {@code text} sanitized to at most {@code max} characters and quoted, with quotes and
   * backslashes escaped: a tenant's text cannot end the quote or pose as the operator's words.
   */
  public static String quote(String text, int max) {
    return "\"" + sanitize(text, max).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String bounded(String s, int max) {
    return sanitize(s, max);
  }

  private static Instant time(String t) {
    if (t == null || t.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(t).toInstant();
      } catch (DateTimeParseException again) {
        return null;
      }
    }
  }

  @SafeVarargs
  private static <T> T firstNonNull(T... values) {
    for (T v : values) {
      if (v != null) {
        return v;
      }
    }
    return null;
  }
}
