package dev.phalanx.cluster.config;

import dev.phalanx.cluster.model.ConfigSnapshot;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Saves snapshots to a {@link SnapshotStore} on its own thread, so that writing and syncing a large snapshot never
 * delays the next config change; when several wait, only the newest is written. A crash before it is written
 * leaves the previous good snapshot on disk. {@link #close} writes what is still waiting.
 */
final class SnapshotPersister implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SnapshotPersister.class.getName());

    private final SnapshotStore store;
    private final ExecutorService thread;
    private final AtomicReference<ConfigSnapshot> waiting = new AtomicReference<>();

    SnapshotPersister(SnapshotStore store, String threadName) {
        this.store = store;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    void save(ConfigSnapshot snapshot) {
        if (waiting.getAndSet(snapshot) == null) {
            try {
                thread.execute(this::saveNewest);
            } catch (RejectedExecutionException e) {
                // closed
            }
        }
    }

    private void saveNewest() {
        ConfigSnapshot s = waiting.getAndSet(null);
        if (s == null) {
            return;
        }
        try {
            store.save(s);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot persist the snapshot to " + store.file() + ": " + e);
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
