package dev.phalanx.node.health;

import dev.phalanx.cluster.state.HealthBoard;
import dev.phalanx.cluster.state.HealthVerdict;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hands board writes from event loops to one thread of its own, since a grid write may wait on the network.
 * Writes are coalesced per slot (endpoint key and source): only the newest verdict of a slot is written, so the
 * backlog is bounded by the number of endpoints, and at most one drain task is queued at a time.
 */
final class BoardWriter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BoardWriter.class.getName());

    private final HealthBoard board;
    private final ConcurrentHashMap<Slot, Write> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean drainQueued = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ExecutorService executor;

    BoardWriter(HealthBoard board, String threadName) {
        this.board = board;
        this.executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Queues {@code verdict} for its slot, replacing a queued one. Any thread; never blocks. */
    void publish(String key, HealthVerdict verdict) {
        pending.put(new Slot(key, verdict.source()), new Write(key, verdict.source(), verdict));
        kick();
    }

    /** Queues the removal of one slot. Any thread; never blocks. */
    void remove(String key, HealthVerdict.Source source) {
        pending.put(new Slot(key, source), new Write(key, source, null));
        kick();
    }

    private void kick() {
        if (drainQueued.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException closed) {
                drainQueued.set(false);
            }
        }
    }

    private void drain() {
        drainQueued.set(false); // writes queued from here on schedule another drain
        Set<Slot> slots = new HashSet<>(pending.keySet());
        for (Slot slot : slots) {
            Write write = pending.remove(slot);
            if (write == null) {
                continue;
            }
            try {
                if (write.verdict == null) {
                    board.remove(write.key, write.source);
                } else {
                    board.publish(write.key, write.verdict);
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "health board write for " + write.key + " failed: " + e, e);
            }
        }
    }

    /** Writes what is queued, then stops the thread (waits at most a second). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        executor.execute(this::drain);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private record Slot(String key, HealthVerdict.Source source) {
    }

    private record Write(String key, HealthVerdict.Source source, HealthVerdict verdict) {
    }
}
