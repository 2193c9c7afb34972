package dev.phalanx.cluster.state;

import static dev.phalanx.cluster.state.GridTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three real grid members in this JVM on 127.0.0.1, each with a purge bus over a recording target (purge log of 5
 * for the test, catch-up every 200 ms): a purge on one member reaches all three with their acknowledgements; a slow
 * member is reported missing; a member that did not get purges replays them from the log, or clears its whole cache
 * when the log no longer reaches back; when the grid loses the purge history (restarted as a whole) every member
 * clears once and a new history starts; with its grid member stopped, a purge applies locally and says so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GridPurgeIT {
    private static final int CAPACITY = 5;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private final List<GridState> grids = new ArrayList<>();
    private final List<GridPurgeBus> buses = new ArrayList<>();
    private final List<RecordingPurgeTarget> targets = new ArrayList<>();

    @BeforeAll
    void startThree() throws Exception {
        Path dir = Files.createTempDirectory("grid-purge-it");
        int[] ports = GridTestSupport.freePorts(3);
        Path secret = GridTestSupport.secretFile(dir, GridTestSupport.SECRET);
        for (int i = 0; i < 3; i++) {
            grids.add(Grid.start(GridTestSupport.config("purge-" + ports[0], ports, i, secret), "n" + (i + 1)));
        }
        await("three members everywhere", 30_000,
                () -> grids.stream().allMatch(g -> g.membership().members().size() == 3));
        for (GridState g : grids) {
            var hz = g.hazelcast();
            GridPurgeBus bus = new GridPurgeBus(hz, g.membership().self().nodeId(),
                    new PurgeLog(hz.getMap(GridConfigs.PURGE_HEAD_MAP), hz.getMap(GridConfigs.PURGE_LOG_MAP), CAPACITY),
                    3, 200);
            RecordingPurgeTarget t = new RecordingPurgeTarget();
            bus.bind(t);
            buses.add(bus);
            targets.add(t);
        }
    }

    @AfterAll
    void stop() {
        buses.forEach(GridPurgeBus::close);
        grids.forEach(GridState::close);
    }

    @Test
    @Order(1)
    void aPurgeOnOneMemberIsAppliedAndAcknowledgedByAll() throws Exception {
        PurgeMessage m = new PurgeMessage(PurgeMessage.Kind.URL, "http://example.test/a?b=1");
        PurgeResult r = buses.get(0).purge(m, TIMEOUT).get(10, TimeUnit.SECONDS);
        assertEquals(1, r.generation());
        assertEquals(PurgeResult.CLUSTER, r.scope());
        // each acknowledged; removed is 1, or 0 on a member whose catch-up took it from the log a moment before
        assertEquals(List.of("n1", "n2", "n3"), r.applied().stream().map(PurgeResult.Ack::node).toList());
        assertEquals(List.of(), r.missing());
        assertEquals(null, r.note());
        for (RecordingPurgeTarget t : targets) {
            assertEquals(List.of(m), t.applied);
        }
        for (GridPurgeBus b : buses) {
            assertEquals(1, b.appliedGeneration());
        }
        // from every member, each kind; the round trip as a figure
        long[] micros = new long[30];
        for (int i = 0; i < micros.length; i++) {
            PurgeMessage.Kind kind = PurgeMessage.Kind.values()[i % 3];
            PurgeMessage p = new PurgeMessage(kind, kind == PurgeMessage.Kind.TAG ? "tag-" + i : "http://h.test/" + i);
            long t0 = System.nanoTime();
            PurgeResult ri = buses.get(i % 3).purge(p, TIMEOUT).get(10, TimeUnit.SECONDS);
            micros[i] = (System.nanoTime() - t0) / 1000;
            assertEquals(2 + i, ri.generation());
            assertEquals(3, ri.applied().size(), ri.toString());
        }
        Arrays.sort(micros);
        System.out.printf("FIGURE purge round trip on 3 members (log + broadcast + 3 acks), 30 purges: median %.2f ms,"
                + " max %.2f ms%n", micros[15] / 1000.0, micros[29] / 1000.0);
        await("every member at generation 31", 5000, () -> buses.stream().allMatch(b -> b.appliedGeneration() == 31));
        assertEquals(31, targets.get(2).applied.size());
    }

    @Test
    @Order(2)
    void aMemberThatDoesNotAnswerInTimeIsListedAsMissing() throws Exception {
        targets.get(2).delayMillis = 1500;
        try {
            long t0 = System.nanoTime();
            PurgeResult r = buses.get(0).purge(new PurgeMessage(PurgeMessage.Kind.PREFIX, "http://slow.test/"),
                    Duration.ofMillis(400)).get(10, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(List.of("n1", "n2"), r.applied().stream().map(PurgeResult.Ack::node).toList());
            assertEquals(List.of("n3"), r.missing());
            assertTrue(ms < 1400, "answered after the timeout, not after the slow member: " + ms + " ms");
            await("the slow member applies it later", 5000, () -> buses.get(2).appliedGeneration() == 32);
        } finally {
            targets.get(2).delayMillis = 0;
        }
    }

    @Test
    @Order(3)
    void aMemberThatMissedPurgesReplaysThemFromTheLog() throws Exception {
        GridPurgeBus away = buses.get(2);
        away.detach();
        long before = away.appliedGeneration();
        long replayedBefore = away.stats().replayed(); // the slow member may have taken generation 32 from the log
        List<PurgeMessage> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PurgeMessage m = new PurgeMessage(PurgeMessage.Kind.TAG, "missed-" + i);
            sent.add(m);
            PurgeResult r = buses.get(1).purge(m, Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
            assertEquals(List.of("n3"), r.missing(), r.toString());
        }
        Thread.sleep(500); // several catch-up rounds pass while it is away
        assertEquals(before, away.appliedGeneration());
        long t0 = System.nanoTime();
        away.attach();
        await("replayed", 10_000, () -> away.appliedGeneration() == before + 3);
        System.out.printf("FIGURE replay of 3 missed purges after a member is back: %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        List<PurgeMessage> last = targets.get(2).applied.subList(targets.get(2).applied.size() - 3,
                targets.get(2).applied.size());
        assertEquals(sent, last);
        assertEquals(replayedBefore + 3, away.stats().replayed());
        assertEquals(0, targets.get(2).clears.get());
    }

    @Test
    @Order(4)
    void aMemberThatMissedMoreThanTheLogHoldsClearsItsCache() throws Exception {
        GridPurgeBus away = buses.get(2);
        away.detach();
        int storedBefore = targets.get(2).stored;
        long replayedBefore = away.stats().replayed();
        int n = CAPACITY + 3;
        for (int i = 0; i < n; i++) {
            buses.get(0).purge(new PurgeMessage(PurgeMessage.Kind.TAG, "burst-" + i), Duration.ofMillis(300));
        }
        await("head at " + (35 + n), 10_000, () -> buses.get(0).appliedGeneration() == 35 + n);
        away.attach();
        await("cleared", 10_000, () -> away.appliedGeneration() == 35 + n);
        assertEquals(1, away.stats().fullClears());
        assertEquals(1, targets.get(2).clears.get());
        assertEquals(replayedBefore, away.stats().replayed(), "nothing replayed: the log no longer held generation 36");
        assertEquals(0, targets.get(2).stored);
        assertTrue(storedBefore > 0);
    }

    @Test
    @Order(5)
    void whenTheGridLosesThePurgeHistoryEveryMemberClearsAndANewHistoryStarts() throws Exception {
        long[] clearsBefore = targets.stream().mapToLong(t -> t.clears.get()).toArray();
        // what a grid restarted as a whole looks like to a member that kept running: no head, no log
        grids.get(0).hazelcast().getMap(GridConfigs.PURGE_HEAD_MAP).clear();
        grids.get(0).hazelcast().getMap(GridConfigs.PURGE_LOG_MAP).clear();
        await("every member cleared its cache (the head missing for 5 s)", 20_000, () -> {
            for (int i = 0; i < 3; i++) {
                if (targets.get(i).clears.get() != clearsBefore[i] + 1 || buses.get(i).appliedGeneration() != 0) {
                    return false;
                }
            }
            return true;
        });
        PurgeResult r = buses.get(1).purge(new PurgeMessage(PurgeMessage.Kind.TAG, "new-history"), TIMEOUT)
                .get(10, TimeUnit.SECONDS);
        assertEquals(1, r.generation(), r.toString());
        assertEquals(3, r.applied().size(), r.toString());
        await("every member at generation 1 of the new history", 5000,
                () -> buses.stream().allMatch(b -> b.appliedGeneration() == 1));
        Thread.sleep(600); // catch-up rounds: nobody clears again
        for (int i = 0; i < 3; i++) {
            assertEquals(clearsBefore[i] + 1, targets.get(i).clears.get());
        }
    }

    @Test
    @Order(6)
    void aBurstOfPurgesIsAcknowledgedByAllInOrder() throws Exception {
        int n = 100;
        long t0 = System.nanoTime();
        List<java.util.concurrent.CompletableFuture<PurgeResult>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(buses.get(i % 3).purge(new PurgeMessage(PurgeMessage.Kind.URL, "http://burst.test/" + i),
                    Duration.ofSeconds(10)));
        }
        for (var f : all) {
            PurgeResult r = f.get(60, TimeUnit.SECONDS);
            assertEquals(3, r.applied().size(), r.toString());
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        await("every member at generation " + (n + 1), 10_000,
                () -> buses.stream().allMatch(b -> b.appliedGeneration() == n + 1));
        System.out.printf("FIGURE %d purges asked at once on 3 members (a third on each), all acknowledged by all: %d ms"
                + " (%.0f purges/s)%n", n, ms, n * 1000.0 / ms);
    }

    @Test
    @Order(7)
    void withTheGridMemberStoppedAPurgeAppliesLocallyAndSaysSo() throws Exception {
        grids.get(0).close();
        PurgeResult r = buses.get(0).purge(new PurgeMessage(PurgeMessage.Kind.URL, "http://x.test/"), TIMEOUT)
                .get(10, TimeUnit.SECONDS);
        assertEquals(PurgeResult.LOCAL, r.scope());
        assertEquals(0, r.generation());
        assertEquals(List.of(new PurgeResult.Ack("n1", 1)), r.applied());
        assertNotNull(r.note());
        assertEquals(1, buses.get(0).stats().localOnly());
    }
}
