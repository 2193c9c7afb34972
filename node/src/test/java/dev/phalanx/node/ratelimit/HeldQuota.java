package dev.phalanx.node.ratelimit;

import dev.phalanx.cluster.state.LocalQuotaService;
import dev.phalanx.cluster.state.QuotaService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A quota service of kind {@code grid} whose answers the test releases by hand: the real local counters decide the
 * grants, but a lease completes only at {@link #answerAll()}, as if the grid took its time. Counts calls and tokens
 * given back. Used by the limiter's unit tests and by {@code RateLimitWaitIT} (a real node).
 */
public final class HeldQuota implements QuotaService {
    final LocalQuotaService counters;
    private final Deque<Runnable> waiting = new ArrayDeque<>();
    final AtomicLong leases = new AtomicLong();
    final AtomicLong givenBack = new AtomicLong();

    public HeldQuota() {
        counters = new LocalQuotaService();
    }

    HeldQuota(LongSupplier clock) {
        counters = new LocalQuotaService(clock);
    }

    @Override
    public synchronized CompletionStage<Integer> lease(String key, long window, long windowMillis, long limit,
                                                       int wanted) {
        leases.incrementAndGet();
        CompletableFuture<Integer> f = new CompletableFuture<>();
        waiting.add(() -> counters.lease(key, window, windowMillis, limit, wanted)
                .thenAccept(f::complete));
        return f;
    }

    /** Completes every lease asked before this call (not those asked while the answers run). */
    public void answerAll() {
        List<Runnable> now;
        synchronized (this) {
            now = new ArrayList<>(waiting);
            waiting.clear();
        }
        now.forEach(Runnable::run);
    }

    /** Leases asked and not answered yet. */
    public synchronized int waiting() {
        return waiting.size();
    }

    @Override
    public void giveBack(String key, long window, long windowMillis, int unused) {
        givenBack.addAndGet(unused);
        counters.giveBack(key, window, windowMillis, unused);
    }

    @Override
    public boolean degraded() {
        return false;
    }

    @Override
    public String kind() {
        return "grid";
    }

    @Override
    public void close() {
        counters.close();
    }
}
