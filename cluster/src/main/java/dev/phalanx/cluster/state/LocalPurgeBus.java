package dev.phalanx.cluster.state;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The purge bus of a node without a grid: a purge applies to this node's cache only, on the bus's own thread (a
 * purge may walk the cache's index, which must not happen on the caller's event loop). Generations count this
 * node's purges.
 */
public final class LocalPurgeBus implements PurgeBus {
    private final String nodeId;
    private final PurgeStats stats = new PurgeStats();
    private final ThreadPoolExecutor thread;
    private volatile Target target;
    private volatile long generation;

    public LocalPurgeBus(String nodeId) {
        this.nodeId = nodeId;
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(256), r -> {
            Thread t = new Thread(r, "phalanx-purge");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void bind(Target target) {
        this.target = target;
    }

    @Override
    public CompletableFuture<PurgeResult> purge(PurgeMessage message, Duration timeout) {
        try {
            return CompletableFuture.supplyAsync(() -> {
                Target t = target;
                if (t == null) {
                    throw new IllegalStateException("the node's cache is not ready");
                }
                int removed = t.apply(message);
                stats.applied.incrementAndGet();
                stats.localOnly.incrementAndGet();
                stats.removed.addAndGet(removed);
                long g = ++generation; // the single bus thread
                return new PurgeResult(g, PurgeResult.LOCAL, List.of(new PurgeResult.Ack(nodeId, removed)),
                        List.of(), "no grid: this node only");
            }, thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("too many purges waiting", e));
        }
    }

    @Override
    public long appliedGeneration() {
        return generation;
    }

    @Override
    public PurgeStats stats() {
        return stats;
    }

    @Override
    public String kind() {
        return "local";
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
