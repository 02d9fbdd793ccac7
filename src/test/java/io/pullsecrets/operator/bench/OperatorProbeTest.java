package io.pullsecrets.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The benchmark's quiet detection: it waits while JOSDK reports work and returns once a window passes without any. */
class OperatorProbeTest {
  static String scrape(long events, long started, long queued) {
    return """
        # HELP operator_sdk_events_received_total
        operator_sdk_events_received_total{action="UPDATED",event="RESOURCE"} %d.0
        operator_sdk_events_received_total{action="ADDED",event="RESOURCE"} 1.0
        operator_sdk_reconciliations_started_total{group="pullsecrets.io"} %d.0
        operator_sdk_reconciliations_queue_size_registrycredentialreconciler %d.0
        """.formatted(events, started, queued);
  }

  @Test
  void sumsEverySampleOfAMetric() {
    String text = scrape(4, 7, 2);
    assertThat(OperatorProbe.sum(text, "operator_sdk_events_received")).isEqualTo(5);
    assertThat(OperatorProbe.sum(text, "operator_sdk_reconciliations_started")).isEqualTo(7);
    assertThat(OperatorProbe.sum(text, "operator_sdk_reconciliations_queue_size")).isEqualTo(2);
  }

  @Test
  void quietAtOnceWhenNothingHappens() throws InterruptedException {
    OperatorProbe probe = new OperatorProbe(() -> scrape(3, 3, 0), Set.of(Thread.currentThread().getId()));
    long waited = probe.awaitQuiet(200, 5_000);
    assertThat(waited).isGreaterThanOrEqualTo(200L);
  }

  @Test
  void waitsWhileReconcilesAreQueuedOrStarting() throws InterruptedException {
    AtomicInteger reads = new AtomicInteger();
    // Busy for the first 20 reads (a reconcile queued, the started count moving), then quiet.
    OperatorProbe probe = new OperatorProbe(() -> {
      int n = reads.incrementAndGet();
      return n <= 20 ? scrape(n, n, 1) : scrape(20, 20, 0);
    }, Set.of(Thread.currentThread().getId()));
    long waited = probe.awaitQuiet(100, 10_000);
    assertThat(reads.get()).isGreaterThan(20);
    assertThat(waited).isGreaterThanOrEqualTo(100L * 10);
  }

  @Test
  void notQuietWhenWorkNeverStops() throws InterruptedException {
    AtomicInteger reads = new AtomicInteger();
    OperatorProbe probe = new OperatorProbe(() -> scrape(reads.incrementAndGet(), 0, 0), Set.of(Thread.currentThread().getId()));
    assertThat(probe.awaitQuiet(100, 800)).isEqualTo(-1);
  }
}
