package dev.phalanx.cluster.state;

import com.hazelcast.core.HazelcastInstance;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Second chances for purges that did not reach the whole cluster: a purge whose log write timed out is logged in the
 * background, and purges the other side of a split may never get ({@link SplitPurges}) are sent again once the grid is
 * whole. Runs on the bus's thread.
 */
final class PurgeRedelivery {
    private static final System.Logger LOG = System.getLogger(PurgeRedelivery.class.getName());
    static final int LOG_RETRIES = 30;

    /** Sends one purge as a new one (the bus's own send, on its thread). */
    interface Sender {
        void send(PurgeMessage message, long timeoutMillis, CompletableFuture<PurgeResult> result);
    }

    private final HazelcastInstance hz;
    private final PurgeLog log;
    private final ScheduledExecutorService thread;
    private final int expectedMembers;
    private final Sender sender;
    private final Runnable catchUp;
    private final SplitPurges split = new SplitPurges();
    private final java.util.concurrent.atomic.AtomicBoolean wanted = new java.util.concurrent.atomic.AtomicBoolean();

    PurgeRedelivery(HazelcastInstance hz, PurgeLog log, ScheduledExecutorService thread, int expectedMembers,
                    Sender sender, Runnable catchUp) {
        this.hz = hz;
        this.log = log;
        this.thread = thread;
        this.expectedMembers = expectedMembers;
        this.sender = sender;
        this.catchUp = catchUp;
    }

    /** Keeps {@code message} to send again once the grid is whole. */
    void remember(PurgeMessage message) {
        remember(message);
    }

    /**
     * The log write timed out (a member that owns the head's partition may be frozen or cut off, until the grid drops
     * it): the purge goes out now without a generation, and the bus keeps logging it in the background, every second
     * for {@link #LOG_RETRIES} s, with the same id (so it gets one generation at most). Once logged, every node reads it
     * from the log like any missed purge: the nodes that were away too.
     */
    String retryLog(PurgeMessage message, String newHistory, String purgeId, String why) {
        scheduleLogRetry(message, newHistory, purgeId, LOG_RETRIES);
        return "not logged yet: " + why + "; this node keeps trying for " + LOG_RETRIES + " s, and nodes that were"
                + " away replay it once it is logged";
    }

    private void scheduleLogRetry(PurgeMessage message, String newHistory, String purgeId, int left) {
        thread.schedule(() -> {
            try {
                PurgeLog.Allocated a = log.append(message, newHistory, purgeId, GridPurgeBus.GRID_CALL_MILLIS);
                if (a.logged()) {
                    LOG.log(System.Logger.Level.INFO, "purge " + message.encode() + " logged late as generation "
                            + a.head().generation());
                    thread.execute(catchUp);
                    return;
                }
            } catch (Exception e) {
                if (GridPurgeBus.minority(e)) {
                    LOG.log(System.Logger.Level.WARNING, "purge " + message.encode() + " not logged: this side of the"
                            + " grid has no majority; it is sent again when the grid is whole");
                    remember(message);
                    return;
                }
            }
            if (left > 1) {
                scheduleLogRetry(message, newHistory, purgeId, left - 1);
            } else {
                LOG.log(System.Logger.Level.WARNING, "purge " + message.encode() + " could not be logged in "
                        + LOG_RETRIES + " s: it is sent again when the grid is whole");
                remember(message);
            }
        }, 1, TimeUnit.SECONDS);
    }

    /**
     * After a merge (or a member joining): sends the purges asked during the split again, once the grid shows every
     * expected member. Only these events arm it: a member that wakes from a freeze still shows its old member list
     * for a while, and must not take that for a whole grid.
     */
    void resendSoon() {
        wanted.set(true);
        if (split.size() == 0) {
            return;
        }
        try {
            thread.schedule(this::resendIfWhole, 1000, TimeUnit.MILLISECONDS);
        } catch (RuntimeException closed) {
            // the bus is closed
        }
    }

    /**
     * On the bus thread (after a merge, a member joining, and every catch-up round while armed by one of those): sends
     * the kept purges again when the grid shows every expected member. One that still cannot be logged is kept again
     * and waits for the next merge or join.
     */
    void resendIfWhole() {
        if (!wanted.get() || split.size() == 0) {
            return;
        }
        int members;
        try {
            members = hz.getCluster().getMembers().size();
        } catch (RuntimeException stopped) {
            return;
        }
        if (members < expectedMembers || !hz.getLifecycleService().isRunning()) {
            return; // still split: the next round tries again
        }
        wanted.set(false);
        List<PurgeMessage> again = split.drain();
        if (!again.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "the grid is whole again: sending " + again.size() + " purge(s) asked"
                    + " during the split again");
        }
        for (PurgeMessage m : again) {
            sender.send(m, GridPurgeBus.GRID_CALL_MILLIS, new CompletableFuture<>());
        }
    }
}
