package dev.phalanx.cluster.state;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Carries cache purges to every node (docs/cache.md#purging-across-the-cluster). A purge asked of any node is given
 * the next cluster-wide generation, written to a bounded purge log in the grid, and sent to every member; each
 * applies it to its cache and acknowledges. A node that was away (partitioned, frozen) replays from the log the
 * generations it missed when it is back, or clears its whole cache when the log no longer reaches back that far.
 * Without a grid, or with the grid down, a purge applies on this node only and its result says so.
 */
public interface PurgeBus extends AutoCloseable {

    /** The node's cache as the bus sees it. Called on the bus's own threads (never an event loop). */
    interface Target {
        /** Removes what the message names; returns how many objects were removed. */
        int apply(PurgeMessage message);

        /** Removes everything; returns how many objects were removed. */
        int clear();
    }

    /** Starts applying purges to {@code target} (once, before the node serves). */
    void bind(Target target);

    /**
     * Purges everywhere. Never blocks the caller: the future completes when every member acknowledged or when
     * {@code timeout} passed (then the members that did not answer are listed as missing). It fails only when the
     * bus is closed or overloaded.
     */
    CompletableFuture<PurgeResult> purge(PurgeMessage message, Duration timeout);

    /** The newest generation this node has applied (0 before the first; -1 while unknown). */
    long appliedGeneration();

    PurgeStats stats();

    /** {@code local} or {@code grid}. */
    String kind();

    @Override
    void close();
}
