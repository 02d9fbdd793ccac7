package io.pullsecrets.operator.health;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The failed pulls seen lately, one entry per pod and image, at most {@code capacity} of them (the
 * least recently reported go first) and none older than the window once {@link #expire} ran. What
 * a pod's ServiceAccount is (read once, by GET) and how much of each failure was already counted in
 * a credential's metric are kept with the entry, so they go with it.
 */
public final class PullFailureStore {
  public static final int DEFAULT_CAPACITY = 10_000;

  /** A failure and what was learnt about it. */
  public static final class Entry {
    private volatile PullFailure failure;
    /** The pod's spec.serviceAccountName; null until read; {@link #POD_GONE} when the pod no longer exists. */
    private volatile String serviceAccount;
    private final Map<String, Long> counted = new HashMap<>();

    Entry(PullFailure failure) {
      this.failure = failure;
    }

    public PullFailure failure() {
      return failure;
    }

    public String serviceAccount() {
      return serviceAccount;
    }

    public void serviceAccount(String name) {
      this.serviceAccount = name;
    }

    /** How many new reports of this failure a credential has not counted yet; they are counted now. */
    public synchronized long countFor(String credentialUid) {
      long total = failure.count();
      Long before = counted.put(credentialUid, total);
      return before == null ? total : Math.max(0, total - before);
    }
  }

  /** The service account of a pod that was deleted: it matters to no credential. */
  public static final String POD_GONE = "";

  private final int capacity;
  private final LinkedHashMap<PullFailure.Key, Entry> entries = new LinkedHashMap<>();

  public PullFailureStore() {
    this(DEFAULT_CAPACITY);
  }

  public PullFailureStore(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Records a report; a later report of the same pod and image replaces the earlier one (an older
   * one is ignored). A bare back-off ({@link PullEvents#isBareBackOff}: the kubelet's {@code
   * BackOff} Event, which never says why) only says that the pull known so far still fails: it
   * moves that failure's last report on and keeps its kind, message and count; and a failure that
   * says why replaces a bare back-off even when reported before it.
   */
  public synchronized void record(PullFailure f) {
    Entry e = entries.remove(f.key());
    if (e == null) {
      e = new Entry(f);
    } else {
      e.failure = merge(e.failure, f);
    }
    entries.put(f.key(), e);
    while (entries.size() > capacity) {
      Iterator<PullFailure.Key> eldest = entries.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
  }

  static PullFailure merge(PullFailure known, PullFailure f) {
    Instant last = f.lastSeen().isAfter(known.lastSeen()) ? f.lastSeen() : known.lastSeen();
    if (PullEvents.isBareBackOff(f)) {
      return new PullFailure(known.namespace(), known.pod(), known.podUid(), known.image(), known.message(), known.kind(),
          known.firstSeen(), last, known.count());
    }
    if (PullEvents.isBareBackOff(known)) {
      return new PullFailure(f.namespace(), f.pod(), f.podUid(), f.image(), f.message(), f.kind(), f.firstSeen(), last, f.count());
    }
    return f.lastSeen().isBefore(known.lastSeen()) ? known : f;
  }

  /** The entries of namespaces {@code namespaces} accepts, reported at or after {@code since}. */
  public synchronized List<Entry> in(Predicate<String> namespaces, Instant since) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (!e.failure.lastSeen().isBefore(since) && namespaces.test(e.failure.namespace())) {
        out.add(e);
      }
    }
    return out;
  }

  /** Drops what was last reported before {@code before}. */
  public synchronized void expire(Instant before) {
    entries.values().removeIf(e -> e.failure.lastSeen().isBefore(before));
  }

  public synchronized int size() {
    return entries.size();
  }
}
