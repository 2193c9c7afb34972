package dev.phalanx.cluster.state;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The purge bus over the grid. A purge takes the next generation from the {@link PurgeLog} and is logged there, then
 * goes to every member the grid shows through the {@code phalanx.purge} executor ({@link PurgeApply}); each member
 * applies it and answers with its count. The answer lists who acknowledged before the timeout and who did not.
 *
 * <p>Every node remembers the newest generation it applied and the history it counts in. Once a second (and after a
 * split-brain merge, and when a broadcast skips generations) it reads the log's head; when it is behind it replays
 * the missed purges from the log, and when the log no longer holds them (or the history changed: the whole grid was
 * restarted; or it merged back into a grid without majority protection) it clears its whole cache. A generation
 * missing from the middle of the log (its write failed or is still under way) is waited for 5 s, then treated the
 * same way. All grid calls run on the bus's own thread or the grid's executor threads, never on an event loop.
 */
final class GridPurgeBus implements PurgeBus {
    private static final System.Logger LOG = System.getLogger(GridPurgeBus.class.getName());
    /** Where a member finds its bus (the member's user context), for {@link PurgeApply}. */
    static final String CONTEXT_KEY = "phalanx.purgeBus";
    static final String EXECUTOR = "phalanx.purge";
    static final long GRID_CALL_MILLIS = 2000;
    private static final long LOG_BUDGET_MILLIS = 1000;
    private static final long GAP_WAIT_MILLIS = 5000;
    private static final int MAX_WAITING = 64;

    private final HazelcastInstance hz;
    private final String nodeId;
    private final PurgeLog log;
    private final int expectedMembers;
    private final boolean majorityProtected;
    private final PurgeStats stats = new PurgeStats();
    private final ScheduledExecutorService thread;
    private final AtomicInteger waiting = new AtomicInteger();
    private final UUID lifecycleListener;
    private final UUID membershipListener;
    private final PurgeRedelivery redelivery;
    private final Object lock = new Object();
    private volatile Target target;
    /** Guarded by {@link #lock}. */
    private String history;
    private volatile long applied = -1;
    private long gapSince;
    private long headMissingSince;
    private boolean mergedUnprotected;
    private volatile boolean away;

    /**
     * @param expectedMembers the grid's expected size; with 3 or more the purge log needs a majority to be written,
     *                        so a member that merges back after a split only replays (else it clears its cache)
     * @param catchUpMillis   how often the log's head is compared with what this node applied
     */
    GridPurgeBus(HazelcastInstance hz, String nodeId, PurgeLog log, int expectedMembers, long catchUpMillis) {
        this.hz = hz;
        this.nodeId = nodeId;
        this.log = log;
        this.expectedMembers = expectedMembers;
        this.majorityProtected = expectedMembers >= 3;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "phalanx-purge");
            t.setDaemon(true);
            return t;
        });
        this.redelivery = new PurgeRedelivery(hz, log, thread, expectedMembers, this::send, this::catchUpQuietly);
        this.lifecycleListener = hz.getLifecycleService().addLifecycleListener(this::onLifecycle);
        this.membershipListener = hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                redelivery.resendSoon(); // the other side of a split merged into this one
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                // nothing: purges made meanwhile are remembered as they are asked
            }
        });
        thread.scheduleWithFixedDelay(this::catchUpQuietly, catchUpMillis, catchUpMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void bind(Target target) {
        PurgeLog.Head h = null;
        boolean known = true;
        try {
            h = log.head(GRID_CALL_MILLIS); // a node starts with an empty cache: nothing before this to replay
        } catch (Exception e) {
            known = false;
            LOG.log(System.Logger.Level.WARNING, "purge log not readable at start (" + e.getMessage()
                    + "): the first catch-up with the grid clears this node's cache");
        }
        synchronized (lock) {
            history = h == null ? null : h.history();
            applied = !known ? -1 : h == null ? 0 : h.generation();
            this.target = target;
        }
        hz.getUserContext().put(CONTEXT_KEY, this);
    }

    @Override
    public CompletableFuture<PurgeResult> purge(PurgeMessage message, Duration timeout) {
        CompletableFuture<PurgeResult> result = new CompletableFuture<>();
        if (waiting.incrementAndGet() > MAX_WAITING) {
            waiting.decrementAndGet();
            result.completeExceptionally(new IllegalStateException("too many purges waiting (" + MAX_WAITING + ")"));
            return result;
        }
        try {
            thread.execute(() -> {
                waiting.decrementAndGet();
                try {
                    send(message, Math.max(1, timeout.toMillis()), result);
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            waiting.decrementAndGet();
            result.completeExceptionally(new IllegalStateException("the purge bus is closed", e));
        }
        return result;
    }

    /** On the bus thread: log, broadcast, collect acknowledgements until all answered or the deadline. */
    void send(PurgeMessage message, long timeoutMillis, CompletableFuture<PurgeResult> result) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        if (!hz.getLifecycleService().isRunning()) {
            result.complete(local(message, "the grid member is not running: applied on this node only"));
            return;
        }
        PurgeLog.Head head = null;
        String note = null;
        String purgeId = UUID.randomUUID().toString();
        String newHistory = UUID.randomUUID().toString();
        try {
            // at most half the time (and 1 s) for the log: the members get the rest even when the log hangs
            PurgeLog.Allocated a = log.append(message, newHistory, purgeId, Math.max(1, Math.min(timeoutMillis / 2,
                    LOG_BUDGET_MILLIS)));
            if (a.logged()) {
                head = a.head();
            } else {
                note = redelivery.retryLog(message, newHistory, purgeId, "generation " + a.head().generation()
                        + " could not be written to the purge log");
            }
        } catch (Exception e) {
            if (minority(e)) {
                redelivery.remember(message);
                note = "not logged: this node's side of the grid has no majority of the expected members; nodes on"
                        + " the other side did not get it: this node sends it again when the grid is whole";
            } else {
                note = redelivery.retryLog(message, newHistory, purgeId, "the grid did not answer (" + rootMessage(e) + ")");
            }
        }
        PurgeApply task = new PurgeApply(head == null ? "" : head.history(), head == null ? 0 : head.generation(),
                message);
        Set<Member> members;
        try {
            members = hz.getCluster().getMembers();
        } catch (RuntimeException e) {
            result.complete(local(message, "the grid member is not running: applied on this node only"));
            return;
        }
        if (!majorityProtected && members.size() < expectedMembers) {
            redelivery.remember(message); // no majority rule: the missing side may log other purges under these numbers
        }
        PurgeAcks acks = new PurgeAcks(head == null ? 0 : head.generation(), members, expectedMembers, note, result);
        try {
            hz.getExecutorService(EXECUTOR).submitToMembers(task, members, acks);
        } catch (RuntimeException e) {
            result.complete(local(message, "the grid refused the purge (" + rootMessage(e)
                    + "): applied on this node only"));
            return;
        }
        thread.schedule(acks::finish, Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
    }

    /** Applies on this node only (the grid is down); no generation. */
    private PurgeResult local(PurgeMessage message, String note) {
        int removed;
        synchronized (lock) {
            Target t = target;
            if (t == null) {
                throw new IllegalStateException("the node's cache is not ready");
            }
            removed = t.apply(message);
        }
        stats.applied.incrementAndGet();
        stats.localOnly.incrementAndGet();
        stats.removed.addAndGet(removed);
        return new PurgeResult(0, PurgeResult.LOCAL, List.of(new PurgeResult.Ack(nodeId, removed)), List.of(), note);
    }

    /** On a grid executor thread: one purge from any member (this one too). Returns the objects removed. */
    int receive(String purgeHistory, long generation, PurgeMessage message) {
        stats.received.incrementAndGet();
        int removed;
        boolean catchUp = false;
        synchronized (lock) {
            Target t = target;
            if (t == null) {
                throw new IllegalStateException("the node's cache is not ready");
            }
            if (generation > 0 && history == null && applied == 0) {
                history = purgeHistory; // the grid had no purges when this node started
            }
            if (generation > 0 && purgeHistory.equals(history) && generation <= applied) {
                return 0; // the catch-up replayed it from the log a moment ago
            }
            removed = t.apply(message);
            if (generation > 0) {
                if (purgeHistory.equals(history) && generation == applied + 1) {
                    applied = generation;
                } else if (generation > applied) {
                    catchUp = true; // skipped generations, or another history: the log says what to do
                }
            }
        }
        stats.applied.incrementAndGet();
        stats.removed.addAndGet(removed);
        if (catchUp) {
            thread.execute(this::catchUpQuietly);
        }
        return removed;
    }

    private void onLifecycle(LifecycleEvent event) {
        if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
            LOG.log(System.Logger.Level.INFO, "merged back into the grid after a split: checking the purge log");
            synchronized (lock) {
                mergedUnprotected = !majorityProtected;
            }
            try {
                thread.execute(this::catchUpQuietly);
            } catch (RuntimeException closed) {
                // the bus is closed
            }
            redelivery.resendSoon();
        }
    }

    private void catchUpQuietly() {
        try {
            catchUp();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "purge catch-up postponed: " + rootMessage(e));
        }
        if (!away) {
            redelivery.resendIfWhole();
        }
    }

    /** On the bus thread: compares the log's head with what this node applied; replays or clears. */
    void catchUp() throws Exception {
        if (target == null || away || !hz.getLifecycleService().isRunning()) {
            return;
        }
        PurgeLog.Head h = log.head(GRID_CALL_MILLIS);
        long from;
        synchronized (lock) {
            if (h == null) {
                // history gone (the whole grid restarted)? Not while a split or a merge leaves this member with part
                // of the data: only when every expected member is there and it stays gone for a while
                if ((history != null || applied != 0) && headGoneFor(System.currentTimeMillis()) > GAP_WAIT_MILLIS) {
                    clear("the grid holds no purge history any more (restarted as a whole?)", null, 0);
                }
                return;
            }
            headMissingSince = 0;
            if (mergedUnprotected) {
                mergedUnprotected = false;
                clear("merged back after a split into a grid without majority protection", h.history(),
                        h.generation());
                return;
            }
            if (history == null && applied == 0) {
                history = h.history();
            }
            if (applied < 0 || !h.history().equals(history) || h.generation() < applied) {
                clear(applied < 0 ? "what this node applied is unknown (the log was not readable at start)"
                        : "the grid's purge history changed", h.history(), h.generation());
                return;
            }
            if (h.generation() == applied) {
                gapSince = 0;
                return;
            }
            if (h.generation() - applied > log.capacity()) {
                clear("missed " + (h.generation() - applied) + " purges, the log holds " + log.capacity(),
                        h.history(), h.generation());
                return;
            }
            from = applied + 1;
        }
        Map<Long, PurgeLog.Entry> entries = log.read(from, h.generation(), GRID_CALL_MILLIS);
        int replayed = 0;
        synchronized (lock) {
            if (applied != from - 1 || !h.history().equals(history)) {
                return; // moved on meanwhile; the next round looks again
            }
            for (long g = from; g <= Math.min(h.generation(), from + PurgeLog.READ_BATCH - 1); g++) {
                PurgeLog.Entry e = entries.get(g);
                if (e != null && !e.history().equals(h.history())) {
                    clear("the purge log holds another history", h.history(), h.generation());
                    return;
                }
                if (e == null) {
                    long now = System.currentTimeMillis();
                    if (gapSince == 0) {
                        gapSince = now;
                    } else if (now - gapSince > GAP_WAIT_MILLIS) {
                        clear("generation " + g + " is missing from the purge log", h.history(), h.generation());
                    }
                    break;
                }
                int removed = target.apply(e.message());
                stats.applied.incrementAndGet();
                stats.replayed.incrementAndGet();
                stats.removed.addAndGet(removed);
                applied = g;
                gapSince = 0;
                replayed++;
            }
        }
        if (replayed > 0 && applied < h.generation()) {
            thread.execute(this::catchUpQuietly); // the next batch at once
        }
        if (replayed > 0) {
            LOG.log(System.Logger.Level.INFO, "replayed " + replayed + " missed purge(s) from the grid's log, now at"
                    + " generation " + applied);
        }
    }

    /** Under {@link #lock}: how long the head has been missing while the grid was whole (0 when it is not whole). */
    private long headGoneFor(long now) {
        int members;
        try {
            members = hz.getCluster().getMembers().size();
        } catch (RuntimeException stopped) {
            members = 0;
        }
        if (members < expectedMembers) {
            headMissingSince = 0;
            return 0;
        }
        if (headMissingSince == 0) {
            headMissingSince = now;
        }
        return now - headMissingSince;
    }

    /** Under {@link #lock}: clears the whole cache and adopts the grid's history and generation. */
    private void clear(String why, String newHistory, long generation) {
        int removed = target.clear();
        stats.fullClears.incrementAndGet();
        stats.removed.addAndGet(removed);
        history = newHistory;
        applied = generation;
        gapSince = 0;
        LOG.log(System.Logger.Level.WARNING, "cleared the whole cache (" + removed + " objects): " + why);
    }

    /** Tests: this member neither takes broadcasts nor reads the log (as if cut off); senders list it as missing. */
    void detach() {
        away = true;
        hz.getUserContext().remove(CONTEXT_KEY, this);
    }

    /** Tests: this member takes broadcasts again and catches up with the log at once. */
    void attach() {
        away = false;
        hz.getUserContext().put(CONTEXT_KEY, this);
        thread.execute(this::catchUpQuietly);
    }

    @Override
    public long appliedGeneration() {
        return applied;
    }

    @Override
    public PurgeStats stats() {
        return stats;
    }

    @Override
    public String kind() {
        return "grid";
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            hz.getUserContext().remove(CONTEXT_KEY, this);
            hz.getLifecycleService().removeLifecycleListener(lifecycleListener);
            hz.getCluster().removeMembershipListener(membershipListener);
        } catch (RuntimeException stopped) {
            // the member is gone already
        }
    }

    static boolean minority(Throwable e) {
        return rootMessage(e).startsWith("SplitBrainProtectionException");
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    static String join(String a, String b) {
        return a == null ? b : a + "; " + b;
    }

    static String nodeId(Member m) {
        String id = m.getAttribute(GridConfigs.NODE_ID_ATTRIBUTE);
        return id == null ? "?" + m.getUuid() : id;
    }
}
