package dev.phalanx.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.OutlierSpec;
import dev.phalanx.cluster.state.LocalHealthBoard;
import dev.phalanx.node.metrics.Meters;
import dev.phalanx.node.upstream.Endpoint;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Circuit breaking by failure rate: the sliding window ({@link FailureWindow}) and the ejections it causes. */
class FailureRateTest {
    private static final long SECOND = 1_000_000_000L;

    private final LocalHealthBoard board = new LocalHealthBoard();
    private final Meters meters = new Meters();
    private final OutlierDetector detector = new OutlierDetector(board, meters, "node-1");

    @AfterEach
    void close() {
        detector.close();
    }

    @Test
    void windowCountsAndSlides() {
        AtomicLong now = new AtomicLong(5 * SECOND);
        FailureWindow w = new FailureWindow(10 * SECOND, now::get);
        assertEquals(new FailureWindow.Counts(0, 0), w.counts());
        for (int i = 0; i < 6; i++) {
            w.record(false);
        }
        for (int i = 0; i < 4; i++) {
            w.record(true);
        }
        assertEquals(new FailureWindow.Counts(10, 6), w.counts());
        assertTrue(w.counts().trips(60, 10));
        assertFalse(w.counts().trips(61, 10), "below the threshold");
        assertFalse(w.counts().trips(50, 11), "too few requests");
        now.addAndGet(5 * SECOND);
        w.record(true);
        assertEquals(new FailureWindow.Counts(11, 6), w.counts(), "half a window later everything still counts");
        now.addAndGet(5 * SECOND + 1);
        assertEquals(new FailureWindow.Counts(1, 0), w.counts(), "the first bucket aged out, the later one stays");
        now.addAndGet(5 * SECOND);
        assertEquals(new FailureWindow.Counts(0, 0), w.counts());
        w.record(false);
        assertEquals(new FailureWindow.Counts(1, 1), w.counts(), "a reused bucket starts from zero");
        w.clear();
        assertEquals(new FailureWindow.Counts(0, 0), w.counts());
    }

    @Test
    void concurrentRecordsAreNotLost() throws Exception {
        FailureWindow w = new FailureWindow(60 * SECOND, System::nanoTime);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                boolean success = t % 2 == 0;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 50_000; i++) {
                        w.record(success);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(new FailureWindow.Counts(200_000, 100_000), w.counts());
    }

    @Test
    void ejectsByFailureRateWithItsReason() {
        Endpoint flaky = OutlierDetectorTest.endpoint("api", 1);
        Endpoint good = OutlierDetectorTest.endpoint("api", 2);
        OutlierSpec spec = new OutlierSpec(1000, Duration.ofSeconds(30), 50,
                new OutlierSpec.FailureRateSpec(50, 20, Duration.ofSeconds(10)));
        detector.reconcile(List.of(OutlierDetectorTest.target(OutlierDetectorTest.pool("api", spec), flaky, good)));

        int attempts = 0;
        while (!flaky.isEjected() && attempts < 100) { // fails 3 of every 5, never 5 in a row
            detector.onResult(flaky, attempts % 5 == 1 || attempts % 5 == 3);
            attempts++;
        }
        assertTrue(flaky.isEjected(), "60% failures over 20+ attempts eject");
        assertTrue(attempts >= 20 && attempts <= 25, "ejected once minRequests was reached, after " + attempts);
        OutlierStats stats = detector.stats(flaky);
        assertEquals(EjectionReason.FAILURE_RATE, stats.reason());
        assertEquals(0, stats.windowRequests(), "the window starts clean for the endpoint's return");
        assertEquals(1.0, meters.registry().find("phalanx.outlier.ejections")
                .tags("pool", "api", "endpoint", flaky.address(), "reason", "failure-rate").counter().count());

        for (int i = 0; i < 200; i++) {
            detector.onResult(good, i % 5 != 0); // 20% failures: below the threshold
        }
        assertFalse(good.isEjected());
        assertEquals(200, detector.stats(good).windowRequests());
        assertEquals(40, detector.stats(good).windowFailures());
    }

    @Test
    void maxEjectedPercentHoldsForFailureRateToo() {
        Endpoint a = OutlierDetectorTest.endpoint("api", 1);
        Endpoint b = OutlierDetectorTest.endpoint("api", 2);
        OutlierSpec spec = new OutlierSpec(1000, Duration.ofSeconds(30), 50,
                new OutlierSpec.FailureRateSpec(50, 5, Duration.ofSeconds(10)));
        detector.reconcile(List.of(OutlierDetectorTest.target(OutlierDetectorTest.pool("api", spec), a, b)));
        for (int i = 0; i < 10; i++) {
            detector.onResult(a, false);
            detector.onResult(b, false);
        }
        assertTrue(a.isEjected() ^ b.isEjected(), "one of two may go at 50%, not both");
        assertTrue(detector.suppressedEjections("api") > 0);
    }

    @Test
    void consecutiveFailuresKeepTheirReason() {
        Endpoint e = OutlierDetectorTest.endpoint("api", 1);
        Endpoint other = OutlierDetectorTest.endpoint("api", 2);
        OutlierSpec spec = new OutlierSpec(3, Duration.ofSeconds(30), 50,
                new OutlierSpec.FailureRateSpec(50, 100, Duration.ofSeconds(10)));
        detector.reconcile(List.of(OutlierDetectorTest.target(OutlierDetectorTest.pool("api", spec), e, other)));
        for (int i = 0; i < 3; i++) {
            detector.onResult(e, false);
        }
        assertTrue(e.isEjected());
        assertEquals(EjectionReason.CONSECUTIVE_FAILURES, detector.stats(e).reason());
    }
}
