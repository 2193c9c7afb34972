package dev.phalanx.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.LbPolicy;
import dev.phalanx.cluster.model.OutlierSpec;
import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.cluster.state.HealthBoard;
import dev.phalanx.cluster.state.HealthVerdict;
import dev.phalanx.cluster.state.LocalHealthBoard;
import dev.phalanx.node.metrics.Meters;
import dev.phalanx.node.upstream.Endpoint;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
    private final LocalHealthBoard board = new LocalHealthBoard();
    private final Meters meters = new Meters();
    private final OutlierDetector detector = new OutlierDetector(board, meters, "node-1");

    @AfterEach
    void close() {
        detector.close();
    }

    @Test
    void ejectsAfterConsecutiveFailures() {
        Endpoint e = endpoint("api", 1);
        Endpoint other = endpoint("api", 2);
        detector.reconcile(List.of(target(pool("api", outlier(3, 5000, 100)), e, other)));

        fail(e, 2);
        assertFalse(e.isEjected());
        assertEquals(2, detector.stats(e).consecutiveFailures());
        fail(e, 1);
        assertTrue(e.isEjected());
        assertFalse(e.isAvailable());
        assertTrue(other.isAvailable());
        OutlierStats stats = detector.stats(e);
        assertEquals(new OutlierStats(0, 1, Duration.ofMillis(5000), true, EjectionReason.CONSECUTIVE_FAILURES, -1, -1),
                stats);
        assertEquals(1.0, ejections("api"));

        fail(e, 5); // attempts that were in flight: they neither count nor extend the ejection
        assertEquals(0, detector.stats(e).consecutiveFailures());
        assertEquals(1.0, ejections("api"));

        HealthVerdict verdict = Await.value("passive verdict on the board",
                () -> board.read(HealthBoard.key("api", e.address()), HealthVerdict.Source.PASSIVE));
        assertFalse(verdict.healthy());
        assertEquals("node-1", verdict.nodeId());
        assertEquals("consecutive-failures: ejected for 5000ms after 3 consecutive failures (ejection 1)", verdict.reason());
        assertNull(board.read(HealthBoard.key("api", e.address())), "passive ejections stay out of the active slot");
    }

    @Test
    void aSuccessResetsTheFailureCount() {
        Endpoint e = endpoint("api", 1);
        detector.reconcile(List.of(target(pool("api", outlier(3, 5000, 100)), e)));
        fail(e, 2);
        detector.onResult(e, true);
        assertEquals(0, detector.stats(e).consecutiveFailures());
        fail(e, 2);
        assertFalse(e.isEjected());
        fail(e, 1);
        assertTrue(e.isEjected());
    }

    @Test
    void ejectionTimeGrowsWithRepeats() {
        Endpoint e = endpoint("api", 1);
        detector.reconcile(List.of(target(pool("api", outlier(2, 60, 100)), e)));
        for (int round = 1; round <= 3; round++) {
            fail(e, 2);
            assertTrue(e.isEjected());
            OutlierStats stats = detector.stats(e);
            assertEquals(Duration.ofMillis(60L * round), stats.lastEjection(), "ejection " + round);
            assertEquals(round, stats.ejections());
            Await.until("ejection " + round + " ends", () -> !e.isEjected());
            assertTrue(e.isAvailable());
        }
        assertEquals(3.0, ejections("api"));
    }

    @Test
    void ejectionCountDecaysAfterQuietPeriods() {
        Endpoint e = endpoint("api", 1);
        detector.reconcile(List.of(target(pool("api", outlier(1, 20, 100)), e)));
        fail(e, 1);
        Await.until("ejection ends", () -> !e.isEjected());
        Await.sleep(230); // more than ten base ejections without one
        fail(e, 1);
        assertEquals(Duration.ofMillis(20), detector.stats(e).lastEjection(), "the count halved from 1 to 0");
        assertEquals(1, detector.stats(e).ejections());
    }

    @Test
    void decayHalvesOncePerQuietPeriod() {
        EndpointOutliers state = new EndpointOutliers("api/x:1", null);
        long base = Duration.ofSeconds(1).toNanos();
        long now = System.nanoTime();
        state.timesEjected = 8;
        state.ejectedUntilNanos = now - 9 * base;
        state.decay(now, base);
        assertEquals(8, state.timesEjected, "less than one quiet period");
        state.ejectedUntilNanos = now - 25 * base;
        state.decay(now, base);
        assertEquals(2, state.timesEjected, "two quiet periods: 8 -> 4 -> 2");
        state.ejectedUntilNanos = now - 1000 * base;
        state.decay(now, base);
        assertEquals(0, state.timesEjected);
    }

    @Test
    void ejectionTimeIsCappedAtTenBaseEjectionsAndFiveMinutes() {
        assertEquals(Duration.ofMillis(100), ejectAfter(9, Duration.ofMillis(10)));
        assertEquals(Duration.ofMillis(100), ejectAfter(25, Duration.ofMillis(10)));
        assertEquals(Duration.ofMinutes(5), ejectAfter(5, Duration.ofMinutes(1)), "six minutes capped at five");
        assertEquals(Duration.ofMinutes(6), ejectAfter(3, Duration.ofMinutes(6)), "never below one base ejection");
    }

    private static Duration ejectAfter(int timesEjectedBefore, Duration base) {
        Endpoint e = endpoint("api", 1);
        PoolOutliers pool = new PoolOutliers("api", new OutlierSpec(1, base, 100), List.of(e));
        EndpointOutliers state = new EndpointOutliers("api/" + e.address(), pool);
        state.timesEjected = timesEjectedBefore;
        state.ejectedUntilNanos = System.nanoTime();
        state.consecutiveFailures.set(1);
        assertEquals(PoolOutliers.Decision.EJECTED, pool.tryEject(e, state, EjectionReason.CONSECUTIVE_FAILURES));
        assertEquals(Math.min(timesEjectedBefore + 1, 10), state.timesEjected);
        return Duration.ofNanos(state.lastEjectionNanos);
    }

    @Test
    void maxEjectedPercentIsRespected() {
        List<Endpoint> endpoints = List.of(endpoint("api", 1), endpoint("api", 2), endpoint("api", 3),
                endpoint("api", 4));
        detector.reconcile(List.of(new HealthTarget(pool("api", outlier(1, 10_000, 50)), endpoints)));
        fail(endpoints.get(0), 1);
        fail(endpoints.get(1), 1);
        fail(endpoints.get(2), 1);
        fail(endpoints.get(2), 1);
        assertTrue(endpoints.get(0).isEjected());
        assertTrue(endpoints.get(1).isEjected());
        assertFalse(endpoints.get(2).isEjected(), "a third ejection would take 75% of the pool");
        assertEquals(2, detector.suppressedEjections("api"));
        assertEquals(2.0, ejections("api"));

        Endpoint alone = endpoint("solo", 1);
        detector.reconcile(List.of(new HealthTarget(pool("api", outlier(1, 10_000, 50)), endpoints),
                target(pool("solo", outlier(1, 10_000, 50)), alone)));
        fail(alone, 3);
        assertFalse(alone.isEjected(), "the only endpoint is half of nothing");
        assertEquals(3, detector.suppressedEjections("solo"));
    }

    @Test
    void concurrentFailuresNeverEjectMoreThanTheShare() throws Exception {
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            endpoints.add(endpoint("api", i));
        }
        detector.reconcile(List.of(new HealthTarget(pool("api", outlier(2, 10_000, 30)), endpoints)));
        ExecutorService threads = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            done.add(threads.submit(() -> {
                go.await();
                for (int round = 0; round < 500; round++) {
                    for (Endpoint e : endpoints) {
                        detector.onResult(e, false);
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        threads.shutdown();
        long ejected = endpoints.stream().filter(Endpoint::isEjected).count();
        assertEquals(3, ejected, "30% of 10 endpoints");
        assertEquals(3.0, ejections("api"));
    }

    @Test
    void recoveryIsPublishedOnTheFirstSuccessAfterTheEjection() {
        Endpoint e = endpoint("api", 1);
        String key = HealthBoard.key("api", e.address());
        detector.reconcile(List.of(target(pool("api", outlier(1, 50, 100)), e)));
        fail(e, 1);
        Await.until("ejection published", () -> board.read(key, HealthVerdict.Source.PASSIVE) != null);
        detector.onResult(e, true); // still ejected: no recovery yet
        Await.until("ejection ends", () -> !e.isEjected());
        assertFalse(board.read(key, HealthVerdict.Source.PASSIVE).healthy());
        detector.onResult(e, true);
        Await.until("recovery published", () -> board.read(key, HealthVerdict.Source.PASSIVE).healthy());
        assertEquals("ejection over, requests succeed", board.read(key, HealthVerdict.Source.PASSIVE).reason());
    }

    @Test
    void reconcileKeepsStateOfSurvivorsAndForgetsTheRest() {
        Endpoint a = endpoint("api", 1);
        Endpoint b = endpoint("api", 2);
        Endpoint c = endpoint("api", 3);
        detector.reconcile(List.of(target(pool("api", outlier(2, 10_000, 100)), a, b, c)));
        fail(a, 2);
        fail(b, 1);
        assertTrue(a.isEjected());

        Endpoint a2 = endpoint("api", 1);
        Endpoint b2 = endpoint("api", 2);
        detector.reconcile(List.of(target(pool("api", outlier(2, 10_000, 100)), a2, b2)));
        assertTrue(a2.isEjected(), "the ejection moved to the new endpoint object");
        assertEquals(1, detector.stats(a2).ejections());
        assertEquals(1, detector.stats(b2).consecutiveFailures());
        assertNull(detector.stats(a), "the old object is no longer tracked");
        assertNull(detector.stats(c));
        fail(c, 5);
        assertFalse(c.isEjected(), "a removed endpoint is ignored");
        fail(b2, 1);
        assertTrue(b2.isEjected(), "second failure in a row, counted across the reload");

        String keyA = HealthBoard.key("api", a.address());
        Await.until("ejection of a published", () -> board.read(keyA, HealthVerdict.Source.PASSIVE) != null);
        // the pool drops outlier detection: ejections are lifted and the board forgets them
        detector.reconcile(List.of(target(pool("api", null), a2, b2)));
        assertFalse(a2.isEjected());
        assertFalse(b2.isEjected());
        assertNull(detector.stats(a2));
        Await.until("passive verdict removed", () -> board.read(keyA, HealthVerdict.Source.PASSIVE) == null);
        fail(a2, 10);
        assertFalse(a2.isEjected());
    }

    @Test
    void failureStatusesAreTheGatewayErrors() {
        assertTrue(OutlierDetector.isFailureStatus(502));
        assertTrue(OutlierDetector.isFailureStatus(503));
        assertTrue(OutlierDetector.isFailureStatus(504));
        assertFalse(OutlierDetector.isFailureStatus(500));
        assertFalse(OutlierDetector.isFailureStatus(404));
        assertFalse(OutlierDetector.isFailureStatus(200));
    }

    // ---- helpers

    private void fail(Endpoint e, int times) {
        for (int i = 0; i < times; i++) {
            detector.onResult(e, false);
        }
    }

    private double ejections(String pool) {
        return meters.registry().find("phalanx.outlier.ejections").tag("pool", pool).counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    static Endpoint endpoint(String pool, int n) {
        int port = 10_000 + n;
        return new Endpoint(pool, "127.0.0.1:" + port, new InetSocketAddress("127.0.0.1", port), 1);
    }

    static OutlierSpec outlier(int consecutiveFailures, long ejectionMillis, int maxEjectedPercent) {
        return new OutlierSpec(consecutiveFailures, Duration.ofMillis(ejectionMillis), maxEjectedPercent);
    }

    static PoolSpec pool(String id, OutlierSpec outlier) {
        return new PoolSpec(id, LbPolicy.ROUND_ROBIN, List.of(), null, null, outlier);
    }

    static HealthTarget target(PoolSpec pool, Endpoint... endpoints) {
        return new HealthTarget(pool, List.of(endpoints));
    }
}
