package dev.phalanx.cluster.state;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The budgets of a node without a grid: in-memory counters, so the limit holds for this node alone. {@link #lease}
 * never touches the network, takes no lock (a compare-and-set loop) and completes at once, so unlike a grid
 * implementation it may be called on an event loop. A daemon thread forgets windows that are over.
 */
public final class LocalQuotaService implements QuotaService {
    private final WindowCounters counters = new WindowCounters();
    private final ScheduledExecutorService sweeper;

    public LocalQuotaService() {
        this(System::currentTimeMillis, true);
    }

    /** Windows are forgotten by the time of {@code clock} (epoch millis; tests pass their own). */
    public LocalQuotaService(LongSupplier clock) {
        this(clock, true);
    }

    /** @param sweep false for tests that want no thread (windows are then never forgotten) */
    LocalQuotaService(LongSupplier clock, boolean sweep) {
        if (sweep) {
            sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "phalanx-quota-sweep");
                t.setDaemon(true);
                return t;
            });
            sweeper.scheduleWithFixedDelay(() -> counters.sweep(clock.getAsLong()), 1, 1, TimeUnit.SECONDS);
        } else {
            sweeper = null;
        }
    }

    @Override
    public CompletionStage<Integer> lease(String key, long window, long windowMillis, long limit, int wanted) {
        return CompletableFuture.completedFuture(counters.grant(key, window, windowMillis, limit, wanted));
    }

    @Override
    public void giveBack(String key, long window, long windowMillis, int unused) {
        counters.takeBack(key, window, unused);
    }

    @Override
    public boolean degraded() {
        return false;
    }

    @Override
    public String kind() {
        return "local";
    }

    /** Windows still remembered (for tests). */
    int windows() {
        return counters.size();
    }

    void sweep(long nowMillis) {
        counters.sweep(nowMillis);
    }

    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }
}
