package dev.phalanx.node.cache;

/**
 * A node's cache as a purge sees it. Safe to call from any thread except an event loop's (it may walk an index);
 * the cluster's purge broadcast calls it on its own thread.
 */
public interface PurgeTarget {
    /** Removes every stored object the purge names and returns how many were removed. */
    int apply(Purge purge);

    /** Removes everything (a node that missed purges it can no longer replay). Returns how many were removed. */
    int clear();
}
