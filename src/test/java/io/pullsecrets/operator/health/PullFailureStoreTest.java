package io.pullsecrets.operator.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PullFailureStoreTest {
  static final Instant T0 = Instant.parse("2026-01-01T12:00:00Z");

  static PullFailure failure(int i, Instant last, long count) {
    return new PullFailure("team-" + (i % 100), "app-" + i, "uid-" + i, "registry.example.com/app:1", "401 Unauthorized",
        PullFailure.Kind.AUTH, last, last, count);
  }

  @Test
  void keepsAtMostItsCapacityDroppingTheLeastRecentlyReported() {
    PullFailureStore store = new PullFailureStore(100);
    for (int i = 0; i < 1000; i++) {
      store.record(failure(i, T0.plusSeconds(i), 1));
    }
    assertThat(store.size()).isEqualTo(100);
    assertThat(store.in(ns -> true, T0).stream().map(e -> e.failure().pod()))
        .contains("app-999", "app-900").doesNotContain("app-899");
  }

  @Test
  void aLaterReportReplacesAnEarlierOneAndOnlyNewReportsAreCounted() {
    PullFailureStore store = new PullFailureStore();
    store.record(failure(1, T0, 2));
    PullFailureStore.Entry e = store.in(ns -> true, T0).get(0);
    assertThat(e.countFor("cred")).isEqualTo(2);
    store.record(failure(1, T0.plusSeconds(30), 5));
    store.record(failure(1, T0.plusSeconds(10), 3));
    assertThat(e.failure().count()).isEqualTo(5);
    assertThat(e.countFor("cred")).isEqualTo(3);
    assertThat(e.countFor("cred")).isZero();
    assertThat(e.countFor("other")).isEqualTo(5);
  }

  static PullFailure backOff(int i, Instant last, long count) {
    String image = "registry.example.com/app:1";
    return new PullFailure("team-" + (i % 100), "app-" + i, "uid-" + i, image, "Back-off pulling image \"" + image + "\"",
        PullEvents.classify("Back-off pulling image \"" + image + "\"", image), last, last, count);
  }

  /**
   * The kubelet's BackOff Event never says why (it writes the error into the pod's status only):
   * while the pod backs off after a 401, the failure stays an authentication failure, reported
   * last by the back-off, and only the Failed reports are counted.
   */
  @Test
  void aBackOffKeepsTheKindOfTheFailureItRepeatsInEitherOrder() {
    assertThat(PullEvents.isBareBackOff(backOff(1, T0, 1))).isTrue();
    assertThat(backOff(1, T0, 1).kind()).isEqualTo(PullFailure.Kind.OTHER);
    PullFailureStore store = new PullFailureStore();
    store.record(failure(1, T0, 2));
    store.record(backOff(1, T0.plusSeconds(20), 7));
    PullFailure f = store.in(ns -> true, T0).get(0).failure();
    assertThat(f.kind()).isEqualTo(PullFailure.Kind.AUTH);
    assertThat(f.message()).isEqualTo("401 Unauthorized");
    assertThat(f.lastSeen()).isEqualTo(T0.plusSeconds(20));
    assertThat(f.count()).isEqualTo(2);

    // As an informer lists them: the back-off first, the older Failed report after it.
    store.record(backOff(2, T0.plusSeconds(20), 7));
    store.record(failure(2, T0, 2));
    f = store.in(ns -> true, T0).stream().map(PullFailureStore.Entry::failure).filter(x -> x.pod().equals("app-2")).findFirst().orElseThrow();
    assertThat(f.kind()).isEqualTo(PullFailure.Kind.AUTH);
    assertThat(f.lastSeen()).isEqualTo(T0.plusSeconds(20));
    assertThat(f.count()).isEqualTo(2);
  }

  @Test
  void expiresWhatTheWindowLetsGo() {
    PullFailureStore store = new PullFailureStore();
    store.record(failure(1, T0, 1));
    store.record(failure(2, T0.plusSeconds(600), 1));
    store.expire(T0.plusSeconds(1));
    assertThat(store.in(ns -> true, Instant.EPOCH)).extracting(e -> e.failure().pod()).containsExactly("app-2");
  }

  /**
   * What 10,000 failed pulls cost: the informer caches' slim Events plus the store's entries,
   * each with a realistic kubelet message (about 300 characters), measured as heap in use after
   * a full GC before and after. The figure is printed; the bound is generous against JVM noise.
   */
  @Test
  void tenThousandFailuresCostLittleMemory() {
    int n = 10_000;
    String tail = ": failed to pull and unpack image: failed to resolve reference: unexpected status from HEAD request to"
        + " https://registry.example.com/v2/team/app/manifests/1.2.3: 401 Unauthorized";
    long before = usedAfterGc();
    List<Event> cache = new ArrayList<>(n);
    PullFailureStore store = new PullFailureStore(n);
    for (int i = 0; i < n; i++) {
      String image = "registry.example.com/team-" + i + "/app:1.2.3";
      Event full = PullEventsTest.event("team-" + (i % 1000), "app-7d9f8c6b5-" + i, java.util.UUID.randomUUID().toString(),
          "Failed", "Failed to pull image \"" + image + "\"" + tail);
      Event slim = PullEvents.slim(full);
      cache.add(slim);
      store.record(PullEvents.of(slim).orElseThrow());
    }
    long after = usedAfterGc();
    long perEvent = (after - before) / n;
    System.out.printf("pull health: %d failed pulls (slim cached Event + store entry) use %.1f MiB, %d bytes each%n",
        n, (after - before) / 1048576.0, perEvent);
    assertThat(store.size()).isEqualTo(n);
    assertThat(cache).hasSize(n);
    assertThat(perEvent).isLessThan(4096);
  }

  private static long usedAfterGc() {
    for (int i = 0; i < 4; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
