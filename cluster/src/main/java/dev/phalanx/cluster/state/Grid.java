package dev.phalanx.cluster.state;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.phalanx.cluster.model.NodeConfig;

/**
 * Starts this node's embedded Hazelcast member (Community edition) from the {@code grid:} config. The only way into
 * the grid: everything else in the node sees {@link GridState}'s interfaces.
 */
public final class Grid {
    private static final System.Logger LOG = System.getLogger(Grid.class.getName());

    private Grid() {
    }

    /**
     * Reads the cluster secret, starts the member and joins the configured members over TCP. Blocks the calling
     * thread (never call it on an event loop) until the member runs: it joins a reachable member within seconds;
     * when none answers it forms a grid of its own after the join timeout (about 20 s at most) and others join it
     * later, so a node alone still serves.
     *
     * @throws IllegalArgumentException {@code grid.secretFile: ...} when the secret is missing or too short
     * @throws IllegalStateException {@code grid.bind: ...} when the member cannot start (port in use, bad address)
     */
    public static GridState start(NodeConfig.GridConfig grid, String nodeId) {
        byte[] secret = TicketKeyCipher.readSecret(grid.secretFile());
        long start = System.nanoTime();
        HazelcastInstance hz;
        try {
            hz = Hazelcast.newHazelcastInstance(GridConfigs.configure(grid, nodeId));
        } catch (RuntimeException e) {
            throw new IllegalStateException("grid.bind: cannot start the grid member on " + grid.bind() + ": "
                    + e.getMessage(), e);
        }
        long joinMillis = (System.nanoTime() - start) / 1_000_000;
        GridState state = new GridState(hz, grid, nodeId, secret, joinMillis);
        LOG.log(System.Logger.Level.INFO, "grid " + grid.clusterName() + " joined in " + joinMillis + " ms as "
                + state.membership().self().address() + ": " + state.membership().members().size() + " member(s)");
        return state;
    }
}
