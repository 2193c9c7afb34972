package dev.phalanx.cluster.state;

import java.util.List;

/**
 * The answer to one purge: its cluster-wide generation (0 when it could not be logged in the grid), where it went
 * ({@code cluster} through the grid, {@code local} on this node only), the nodes that applied it within the timeout
 * with how many objects each removed, the members the grid showed that did not acknowledge in time, and a note for
 * the operator when the purge did not reach the whole cluster (null otherwise).
 */
public record PurgeResult(long generation, String scope, List<Ack> applied, List<String> missing, String note) {
    public static final String CLUSTER = "cluster";
    public static final String LOCAL = "local";

    /** One node's acknowledgement: its node id and the objects it removed. */
    public record Ack(String node, int removed) {
    }

    public PurgeResult {
        applied = List.copyOf(applied);
        missing = List.copyOf(missing);
    }
}
