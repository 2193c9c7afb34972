package dev.phalanx.cluster.state;

/**
 * Decides which node actively probes which endpoint. With a grid, only the owner of the endpoint key's partition
 * probes it and the others apply its verdict from the {@link HealthBoard}; alone, or when the grid is unreachable,
 * a node probes everything itself. Asked on every probe tick, so a change of ownership takes effect within one
 * probe interval. Must be quick and non-blocking (it is called on event loops).
 */
@FunctionalInterface
public interface ProbeAssignment {
    /** Every endpoint is probed by this node. */
    ProbeAssignment ALL = key -> true;

    /** @param key an endpoint key, {@link HealthBoard#key} */
    boolean probesLocally(String key);
}
