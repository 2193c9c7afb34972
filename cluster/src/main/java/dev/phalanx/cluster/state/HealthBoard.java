package dev.phalanx.cluster.state;

import java.util.Map;

/**
 * Health verdicts of every endpoint, shared by all nodes. Keys are {@link #key endpoint keys}
 * ({@code poolId/address}); each key has one slot per {@link HealthVerdict.Source}: the active slot holds the verdict
 * of the node that probes the endpoint (other nodes apply it), the passive slot the latest outlier ejection any node
 * reported (for operators only).
 *
 * <p>Reads are local and never block (the grid implementation is a replicated map), so they may run on an event
 * loop. Writes ({@link #publish}, {@link #remove}) may touch the network: call them off event loops.
 * A board that cannot reach its peers degrades to local state; it never throws on reads.
 */
public interface HealthBoard {
    /** The key of one endpoint of one pool: {@code poolId/address}. */
    static String key(String poolId, String address) {
        return poolId + '/' + address;
    }

    /** Stores {@code verdict} in the slot of its source, replacing what was there, and tells the listeners. */
    void publish(String key, HealthVerdict verdict);

    /** The verdict in the given slot, or null. Local and non-blocking. */
    HealthVerdict read(String key, HealthVerdict.Source source);

    /** The active verdict (the one that decides whether nodes route to the endpoint), or null. */
    default HealthVerdict read(String key) {
        return read(key, HealthVerdict.Source.ACTIVE);
    }

    /** Forgets one slot of an endpoint; listeners get a null verdict when the slot was filled. */
    void remove(String key, HealthVerdict.Source source);

    /** Forgets both slots of an endpoint (it left the config). */
    default void remove(String key) {
        for (HealthVerdict.Source source : HealthVerdict.Source.values()) {
            remove(key, source);
        }
    }

    /** Every key's verdict of one source, a copy for admin pages. */
    Map<String, HealthVerdict> snapshot(HealthVerdict.Source source);

    /**
     * Registers a listener for changes made by any node. It runs on the board's notification thread (the publishing
     * thread for the local board, the grid's event thread otherwise), so it must be quick and must not block.
     *
     * @return closing it unregisters the listener
     */
    Registration addListener(Listener listener);

    /** Told of every change of a slot. */
    @FunctionalInterface
    interface Listener {
        /**
         * @param verdict the new verdict, or null when the slot was removed
         */
        void changed(String key, HealthVerdict.Source source, HealthVerdict verdict);
    }

    /** A listener registration; close to unregister. */
    @FunctionalInterface
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
