package dev.phalanx.node;

import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.cluster.state.Grid;
import dev.phalanx.cluster.state.GridState;
import dev.phalanx.cluster.state.HealthBoard;
import dev.phalanx.cluster.state.LocalPurgeBus;
import dev.phalanx.cluster.state.LocalHealthBoard;
import dev.phalanx.cluster.state.LocalMembership;
import dev.phalanx.cluster.state.Membership;
import dev.phalanx.cluster.state.ProbeAssignment;
import dev.phalanx.cluster.state.PurgeBus;
import dev.phalanx.cluster.state.QuotaService;
import dev.phalanx.cluster.state.QuotaServices;
import dev.phalanx.cluster.state.TicketKeyRing;

/**
 * What this node shares with the others: with a {@code grid:} section, an embedded grid member and the state built
 * on it (membership, health board, probe assignment, ticket keys); without one, this node alone with local state.
 * {@link #ticketKeys()} is null without a grid: the node then uses the local ring.
 */
final class SharedState implements AutoCloseable {
    private final GridState grid;
    private final Membership membership;
    private final HealthBoard board;
    private final ProbeAssignment assignment;
    private final TicketKeyRing ticketKeys;
    private final QuotaService quota;
    private final PurgeBus purges;

    private SharedState(GridState grid, Membership membership, HealthBoard board, ProbeAssignment assignment,
                        TicketKeyRing ticketKeys, QuotaService quota, PurgeBus purges) {
        this.purges = purges;
        this.grid = grid;
        this.membership = membership;
        this.board = board;
        this.assignment = assignment;
        this.ticketKeys = ticketKeys;
        this.quota = quota;
    }

    /** Starts the grid member when one is configured (blocks until it joined or formed a grid alone). */
    static SharedState open(NodeConfig config) {
        String nodeId = config.node().id();
        if (config.grid() == null) {
            return new SharedState(null, new LocalMembership(nodeId), new LocalHealthBoard(), ProbeAssignment.ALL,
                    null, QuotaServices.local(), new LocalPurgeBus(nodeId));
        }
        GridState grid = Grid.start(config.grid(), nodeId);
        try {
            TicketKeyRing ring = grid.ticketKeyRing(config.tickets().rotateEvery());
            return new SharedState(grid, grid.membership(), grid.healthBoard(), grid.probeAssignment(), ring,
                    grid.quotaService(), grid.purgeBus());
        } catch (RuntimeException e) {
            grid.close();
            throw e;
        }
    }

    /** Null without a grid. */
    GridState grid() {
        return grid;
    }

    Membership membership() {
        return membership;
    }

    HealthBoard board() {
        return board;
    }

    ProbeAssignment assignment() {
        return assignment;
    }

    /** The grid's ticket key ring, or null without a grid. */
    TicketKeyRing ticketKeys() {
        return ticketKeys;
    }

    /** Rate-limit budgets: cluster-wide with a grid, this node's own counters without one. */
    QuotaService quota() {
        return quota;
    }

    /** Cache purges: through the grid to every node with a grid, this node alone without one. */
    PurgeBus purges() {
        return purges;
    }

    /** Tells {@code onChange} when probe ownership moved (never without a grid). */
    HealthBoard.Registration onAssignmentChange(Runnable onChange) {
        return grid == null ? () -> { } : grid.onAssignmentChange(onChange);
    }

    /** Leaves the grid gracefully (after the drain). */
    @Override
    public void close() {
        if (grid != null) {
            grid.close(); // closes the grid's quota service and purge bus too
        } else {
            quota.close();
            purges.close();
        }
    }
}
