package dev.phalanx.cluster.state;

import com.hazelcast.core.HazelcastInstance;
import dev.phalanx.cluster.model.NodeConfig;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A running grid member and the shared state built on it: {@link #membership()}, {@link #healthBoard()},
 * {@link #probeAssignment()} and {@link #ticketKeyRing}. {@link #close()} leaves the grid gracefully (partitions
 * and backups move to the others first, up to 20 s), so call it after the node's drain.
 */
public final class GridState implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GridState.class.getName());
    /** How many purges the grid's purge log keeps for members that were away. */
    static final int PURGE_LOG_CAPACITY = 10_000;

    private final HazelcastInstance hz;
    private final NodeConfig.GridConfig config;
    private final byte[] secret;
    private final long joinMillis;
    private final GridMembership membership;
    private final GridHealthBoard board;
    private final PartitionProbeAssignment assignment;
    private final ScheduledExecutorService refresher;
    private GridTicketKeyRing ring;
    private QuotaService quota;
    private GridPurgeBus purgeBus;

    GridState(HazelcastInstance hz, NodeConfig.GridConfig config, String nodeId, byte[] secret, long joinMillis) {
        this.hz = hz;
        this.config = config;
        this.secret = secret;
        this.joinMillis = joinMillis;
        this.membership = new GridMembership(hz.getCluster(), hz.getLifecycleService(), nodeId);
        this.board = new GridHealthBoard(hz.getReplicatedMap(GridConfigs.HEALTH_MAP));
        this.assignment = new PartitionProbeAssignment(hz.getPartitionService(),
                hz.getCluster().getLocalMember().getUuid());
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "phalanx-grid-partitions");
            t.setDaemon(true);
            return t;
        });
        assignment.refresh();
        refresher.scheduleWithFixedDelay(assignment::refresh, 500, 500, TimeUnit.MILLISECONDS);
        membership.addListener(() -> refresher.execute(assignment::refresh));
    }

    public Membership membership() {
        return membership;
    }

    public HealthBoard healthBoard() {
        return board;
    }

    /** Which endpoints this node probes: those whose key's partition it owns. Non-blocking. */
    public ProbeAssignment probeAssignment() {
        return assignment;
    }

    /**
     * Registers {@code onChange}, run (on a grid thread, never an event loop) after partition ownership changed, so
     * some endpoints may now be probed here or elsewhere: a member joined or left, or partitions migrated.
     */
    public HealthBoard.Registration onAssignmentChange(Runnable onChange) {
        return assignment.addListener(onChange);
    }

    /**
     * The cluster-wide ticket key ring for the given rotation period (made on the first call; later calls return
     * it). Talks to the grid at once: call it off event loops.
     */
    public synchronized TicketKeyRing ticketKeyRing(Duration rotateEvery) {
        if (ring == null) {
            ring = new GridTicketKeyRing(hz.getMap(GridConfigs.TICKETS_MAP + rotateEvery.toMillis()),
                    new TicketKeyCipher(secret, config.clusterName(), rotateEvery.toMillis()), rotateEvery);
        }
        return ring;
    }

    /**
     * The cluster-wide rate-limit budgets (made on the first call; later calls return it). When the grid cannot be
     * reached, or this node is on the minority side of a split, grants fall back to limit / expected members.
     */
    public synchronized QuotaService quotaService() {
        if (quota == null) {
            quota = QuotaServices.grid(hz, GridConfigs.expectedMembers(config));
        }
        return quota;
    }

    /**
     * The cluster-wide purge bus (made on the first call; later calls return it): purges reach every member and are
     * logged in the grid so a member that was away replays them (docs/cache.md#purging-across-the-cluster).
     */
    public synchronized PurgeBus purgeBus() {
        if (purgeBus == null) {
            purgeBus = new GridPurgeBus(hz, membership.self().nodeId(), new PurgeLog(
                    hz.getMap(GridConfigs.PURGE_HEAD_MAP), hz.getMap(GridConfigs.PURGE_LOG_MAP), PURGE_LOG_CAPACITY),
                    GridConfigs.expectedMembers(config), 1000);
        }
        return purgeBus;
    }

    /** How long the member took to start and join, in milliseconds. */
    public long joinMillis() {
        return joinMillis;
    }

    /** The member itself, for other shared-state implementations in this package (rate limits). */
    HazelcastInstance hazelcast() {
        return hz;
    }

    /** Re-reads partition ownership now (tests and membership changes). */
    void refreshAssignment() {
        assignment.refresh();
    }

    @Override
    public synchronized void close() {
        refresher.shutdownNow();
        if (ring != null) {
            ring.close();
        }
        if (quota != null) {
            quota.close();
        }
        if (purgeBus != null) {
            purgeBus.close();
        }
        if (hz.getLifecycleService().isRunning()) {
            long start = System.nanoTime();
            try {
                hz.shutdown(); // graceful: waits for this member's partitions to have owners elsewhere
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "grid member did not shut down cleanly: " + e);
                hz.getLifecycleService().terminate();
            }
            LOG.log(System.Logger.Level.INFO, "left the grid in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        }
    }
}
