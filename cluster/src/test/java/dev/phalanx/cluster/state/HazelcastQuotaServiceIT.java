package dev.phalanx.cluster.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.map.IMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The grid quota on three real members: atomic grants, give-backs, TTL, and the fallback share without a grid. */
class HazelcastQuotaServiceIT {
    private static GridMembers grid;

    @BeforeAll
    static void startGrid() {
        grid = GridMembers.start(3);
    }

    @AfterAll
    static void stopGrid() {
        if (grid != null) {
            grid.close();
        }
    }

    private static long window(long windowMillis) {
        return System.currentTimeMillis() / windowMillis;
    }

    @Test
    void concurrentLeasesFromThreeMembersNeverGrantMoreThanTheLimit() {
        List<QuotaService> services = new ArrayList<>();
        // a long call timeout: on a loaded machine a 1 s timeout could send a member to its fallback share
        grid.members.forEach(m -> services.add(QuotaServices.grid(m, 3, java.time.Duration.ofSeconds(10))));
        long w = window(3_600_000);
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            calls.add(services.get(i % 3).lease("k-concurrent", w, 3_600_000, 1000, 7).toCompletableFuture());
        }
        int granted = calls.stream().mapToInt(CompletableFuture::join).sum();
        assertEquals(1000, granted, "300 asks of 7 for a budget of 1000: exactly the budget");
        assertEquals(0, services.get(0).lease("k-concurrent", w, 3_600_000, 1000, 1).toCompletableFuture().join());
        services.get(1).giveBack("k-concurrent", w, 3_600_000, 5);
        // a give-back is sent without waiting for it: let it land before another member leases
        IMap<String, Long> map = grid.members.get(0).getMap(QuotaServices.MAP_NAME);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (map.get("k-concurrent@" + w) != 995L && System.nanoTime() < deadline) {
            sleepMillis(10);
        }
        assertEquals(995L, map.get("k-concurrent@" + w));
        assertEquals(5, services.get(2).lease("k-concurrent", w, 3_600_000, 1000, 9).toCompletableFuture().join(),
                "what one member gave back another can lease");
        assertFalse(services.stream().anyMatch(QuotaService::degraded));
        assertEquals("grid", services.get(0).kind());
        services.forEach(QuotaService::close);
    }

    @Test
    void windowEntriesCarryATimeToLive() {
        QuotaService q = QuotaServices.grid(grid.members.get(0), 3);
        long w = window(1000);
        assertEquals(3, q.lease("k-ttl", w, 1000, 10, 3).toCompletableFuture().join());
        IMap<String, Long> map = grid.members.get(1).getMap(QuotaServices.MAP_NAME);
        assertEquals(3L, map.get("k-ttl@" + w));
        long ttl = map.getEntryView("k-ttl@" + w).getTtl();
        assertTrue(ttl > 0 && ttl <= 2000, "expires one window after its window ended: ttl " + ttl);
        q.close();
    }

    @Test
    void withoutTheGridANodeGrantsItsShareAndSaysSo() {
        GridMembers alone = GridMembers.start(1);
        AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        HazelcastQuotaService q = new HazelcastQuotaService(alone.members.get(0), 3, 200, clock::get);
        long w = clock.get() / 60_000;
        assertEquals(10, q.lease("k-fb", w, 60_000, 90, 10).toCompletableFuture().join());
        assertFalse(q.degraded());
        alone.close(); // the grid is gone
        int granted = 0;
        for (int i = 0; i < 10; i++) {
            granted += q.lease("k-fb", w, 60_000, 90, 10).toCompletableFuture().join();
        }
        assertTrue(q.degraded());
        assertEquals(20, granted, "the share is 90 / 3 = 30, minus the 10 already leased from the grid");
        assertEquals(30, q.lease("k-fb", w + 1, 60_000, 90, 100).toCompletableFuture().join(),
                "a new window: the whole share");
        q.giveBack("k-fb", w + 1, 60_000, 4);
        assertEquals(4, q.lease("k-fb", w + 1, 60_000, 90, 100).toCompletableFuture().join());
        q.close();
    }

    @Test
    void aLeaseChargesFallbackGrantsBeforeItGrants() {
        QuotaService q = QuotaServices.grid(grid.members.get(0), 3);
        long w = window(3_600_000);
        // a node that granted itself 30 from its share while degraded charges them with its next grid lease
        IMap<String, Long> map = grid.members.get(2).getMap(QuotaServices.MAP_NAME);
        assertEquals(5, map.submitToKey("k-charge@" + w, new QuotaProcessors.Lease(90, 5, 60_000, 30))
                .toCompletableFuture().join());
        assertEquals(35L, map.get("k-charge@" + w));
        assertEquals(55, q.lease("k-charge", w, 3_600_000, 90, 100).toCompletableFuture().join());
        assertEquals(0, map.submitToKey("k-charge@" + w, new QuotaProcessors.Lease(90, 5, 60_000, 4))
                .toCompletableFuture().join(), "a charge over the limit grants nothing");
        q.close();
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
