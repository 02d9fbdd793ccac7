package io.pullsecrets.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The benchmark's quiet detection: it waits while JOSDK reports work and returns once a window passes without any. */
class OperatorProbeTest {

  @Test
  void readsJosdkCountersBehindItsMetrics() {
    MeterRegistry registry = new SimpleMeterRegistry();
    MicrometerMetrics metrics = MicrometerMetrics.withoutPerResourceMetrics(registry);
    registry.counter("operator.sdk.events.received", "event", "RESOURCE").increment(4);
    registry.counter("operator.sdk.events.received", "event", "OTHER").increment(1);
    registry.counter("operator.sdk.reconciliations.started").increment(7);
    registry.gauge("operator.sdk.reconciliations.queue.size.registrycredentialreconciler", new AtomicInteger(2));
    assertThat(OperatorProbe.josdk(metrics).get()).isEqualTo(new OperatorProbe.Josdk(5, 7, 2));
  }

  @Test
  void quietAtOnceWhenNothingHappens() throws InterruptedException {
    OperatorProbe probe = new OperatorProbe(() -> new OperatorProbe.Josdk(3, 3, 0), Set.of(Thread.currentThread().getId()));
    assertThat(probe.awaitQuiet(200, 5_000)).isGreaterThanOrEqualTo(200L);
  }

  @Test
  void waitsWhileReconcilesAreQueuedOrStarting() throws InterruptedException {
    AtomicInteger reads = new AtomicInteger();
    // Busy for the first 20 reads (a reconcile queued, the counters moving), then quiet.
    OperatorProbe probe = new OperatorProbe(() -> {
      int n = reads.incrementAndGet();
      return n <= 20 ? new OperatorProbe.Josdk(n, n, 1) : new OperatorProbe.Josdk(20, 20, 0);
    }, Set.of(Thread.currentThread().getId()));
    long waited = probe.awaitQuiet(100, 10_000);
    assertThat(reads.get()).isGreaterThan(20);
    assertThat(waited).isGreaterThanOrEqualTo(100L * 10);
  }

  @Test
  void notQuietWhenWorkNeverStops() throws InterruptedException {
    AtomicInteger reads = new AtomicInteger();
    OperatorProbe probe = new OperatorProbe(() -> new OperatorProbe.Josdk(reads.incrementAndGet(), 0, 0),
        Set.of(Thread.currentThread().getId()));
    assertThat(probe.awaitQuiet(100, 800)).isEqualTo(-1);
  }
}
