package dev.phalanx.cluster.state;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one node's purge bus, read by the node's meters (docs/cache.md#purging-across-the-cluster). */
public final class PurgeStats {
    final AtomicLong received = new AtomicLong();
    final AtomicLong applied = new AtomicLong();
    final AtomicLong replayed = new AtomicLong();
    final AtomicLong fullClears = new AtomicLong();
    final AtomicLong localOnly = new AtomicLong();
    final AtomicLong removed = new AtomicLong();

    /** Purges that reached this node from the grid (its own included). */
    public long received() {
        return received.get();
    }

    /** Purges applied to this node's cache: received, replayed from the log, or local. */
    public long applied() {
        return applied.get();
    }

    /** Purges this node missed and applied later from the grid's purge log. */
    public long replayed() {
        return replayed.get();
    }

    /** Whole-cache clears because the purge log no longer reached back to what this node had applied. */
    public long fullClears() {
        return fullClears.get();
    }

    /** Purges asked of this node that were applied on this node only (no grid, or the grid down). */
    public long localOnly() {
        return localOnly.get();
    }

    /** Objects removed from this node's cache by purges and clears. */
    public long removed() {
        return removed.get();
    }
}
