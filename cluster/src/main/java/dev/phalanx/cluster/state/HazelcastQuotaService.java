package dev.phalanx.cluster.state;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Cluster-wide budgets in the Hazelcast map {@value QuotaServices#MAP_NAME}: one entry per limit key and window
 * (key {@code limitKey@window}, value the tokens granted so far), one entry-processor call per lease, a TTL so a
 * window's entry vanishes one window after it ended. The sum of grants of a window never exceeds the limit while
 * the map's partitions are consistent (sync backups keep the count when a member dies).
 *
 * <p>When a call fails or takes longer than the call timeout, the node grants from a local fallback of
 * {@code limit / expectedMembers} per window, minus what it already got from the grid in that window, and reports
 * {@link #degraded()} until a grid call succeeds again. The first grid call of a window after that charges the
 * fallback grants of the window to the grid's count, so the budget the grid still hands out accounts for them.
 * While degraded it asks the grid again at most once per
 * second (the others go straight to the fallback, so a lease never waits for a dead grid more than once a second).
 */
final class HazelcastQuotaService implements QuotaService {
    private static final Logger LOG = Logger.getLogger(HazelcastQuotaService.class.getName());
    private static final long RETRY_GRID_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A stop of this process longer than this (SIGSTOP, a frozen VM) may have cost it its grid membership. */
    private static final long PAUSE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How long after such a stop the grid's answers are not trusted: long enough to learn of a drop and merge. */
    private static final long FENCE_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final HazelcastInstance hz;
    private final IMap<String, Long> map;
    private final int expectedMembers;
    private final long timeoutMillis;
    private final LongSupplier clock;
    private final WindowCounters fromGrid = new WindowCounters();
    private final WindowCounters fallback = new WindowCounters();
    private final WindowCounters charged = new WindowCounters();
    private final AtomicLong gridRetryAt = new AtomicLong();
    private final ScheduledExecutorService sweeper;
    private volatile boolean degraded;
    private volatile long lastTick = System.nanoTime();
    private volatile long fencedUntil = System.nanoTime();

    HazelcastQuotaService(HazelcastInstance hz, int expectedMembers, long timeoutMillis, LongSupplier clock) {
        if (expectedMembers < 1) {
            throw new IllegalArgumentException("expectedMembers: must be at least 1, was " + expectedMembers);
        }
        this.hz = hz;
        this.map = hz.getMap(QuotaServices.MAP_NAME);
        this.expectedMembers = expectedMembers;
        this.timeoutMillis = timeoutMillis;
        this.clock = clock;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "phalanx-quota-sweep");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(() -> {
            long now = clock.getAsLong();
            fromGrid.sweep(now);
            fallback.sweep(now);
            charged.sweep(now);
        }, 1, 1, TimeUnit.SECONDS);
        sweeper.scheduleWithFixedDelay(this::pauseFenced, 100, 100, TimeUnit.MILLISECONDS);
    }

    /**
     * True while this process recently stood still for longer than {@link #PAUSE_NANOS}. After such a stop the
     * others may have dropped this member, and until it learns so its stale partition copies would still grant
     * (measured: 10 tokens above the limit in one window), so it grants from its fallback share instead. Checked by
     * the ticker and inline, since after a stop the lease may run before the ticker does.
     */
    private boolean pauseFenced() {
        long now = System.nanoTime();
        if (now - lastTick > PAUSE_NANOS) {
            fencedUntil = now + FENCE_NANOS;
            LOG.warning("this process stood still for " + TimeUnit.NANOSECONDS.toMillis(now - lastTick)
                    + " ms: rate-limit leases come from the local share for the next "
                    + TimeUnit.NANOSECONDS.toSeconds(FENCE_NANOS) + " s (the grid may have dropped this member)");
        }
        lastTick = now;
        return now - fencedUntil < 0;
    }

    @Override
    public CompletionStage<Integer> lease(String key, long window, long windowMillis, long limit, int wanted) {
        if (pauseFenced()) {
            degraded = true;
            return CompletableFuture.completedFuture(fallbackGrant(key, window, windowMillis, limit, wanted));
        }
        if (degraded && System.nanoTime() - gridRetryAt.get() < 0) {
            return CompletableFuture.completedFuture(fallbackGrant(key, window, windowMillis, limit, wanted));
        }
        long ttl = Math.max(1, WindowCounters.expiry(window, windowMillis) - clock.getAsLong());
        long charge = Math.max(0, fallback.granted(key, window) - charged.granted(key, window));
        CompletableFuture<Integer> call;
        try {
            call = map.submitToKey(slot(key, window), new QuotaProcessors.Lease(limit, wanted, ttl, charge))
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            onGridFailure(e);
            return CompletableFuture.completedFuture(fallbackGrant(key, window, windowMillis, limit, wanted));
        }
        // time out a copy: orTimeout on the grid's own future would complete it under Hazelcast's feet
        CompletableFuture<Integer> answer = new CompletableFuture<>();
        call.whenComplete((granted, err) -> {
            if (err != null) {
                answer.completeExceptionally(err);
            } else {
                answer.complete(granted);
            }
        });
        return answer.orTimeout(timeoutMillis, TimeUnit.MILLISECONDS).handle((granted, err) -> {
            if (err == null && pauseFenced()) {
                // the process stood still while the call was out: the answer may come from a stale partition copy,
                // so it is dropped (under-admission only) and the fallback share grants instead
                degraded = true;
                return fallbackGrant(key, window, windowMillis, limit, wanted);
            }
            if (err == null) {
                if (degraded) {
                    degraded = false;
                    LOG.info("rate-limit grid reachable again: cluster-wide budgets in force");
                }
                // counted for the fallback bound only (the budget here is never reached)
                fromGrid.grant(key, window, windowMillis, Long.MAX_VALUE, granted);
                charged.grant(key, window, windowMillis, Long.MAX_VALUE, (int) Math.min(Integer.MAX_VALUE, charge));
                return granted;
            }
            onGridFailure(err);
            return fallbackGrant(key, window, windowMillis, limit, wanted);
        });
    }

    private void onGridFailure(Throwable err) {
        gridRetryAt.set(System.nanoTime() + RETRY_GRID_NANOS);
        if (!degraded) {
            degraded = true;
            LOG.warning("rate-limit grid unreachable (" + err + "): granting from the local share of limit / "
                    + expectedMembers + " per window");
        }
    }

    /** The local share of the window, minus what this node already got from the grid in it. */
    private int fallbackGrant(String key, long window, long windowMillis, long limit, int wanted) {
        long share = limit / expectedMembers - fromGrid.granted(key, window);
        return fallback.grant(key, window, windowMillis, share, wanted);
    }

    @Override
    public void giveBack(String key, long window, long windowMillis, int unused) {
        int left = unused - fallback.takeBack(key, window, unused);
        if (left <= 0 || clock.getAsLong() >= (window + 1) * windowMillis) {
            return; // the window is over: nobody can use the tokens any more
        }
        try {
            map.submitToKey(slot(key, window), new QuotaProcessors.GiveBack(left));
        } catch (RuntimeException e) {
            // the grid is gone: the tokens are simply not reused (never over the limit)
        }
    }

    private static String slot(String key, long window) {
        return key + '@' + window;
    }

    @Override
    public boolean degraded() {
        return degraded;
    }

    @Override
    public String kind() {
        return "grid";
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    @Override
    public String toString() {
        return "grid quota (" + hz.getName() + ", " + expectedMembers + " expected members)";
    }
}
