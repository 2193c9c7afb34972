package dev.phalanx.cluster.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Tells its listener when the content of one file changed, on its own daemon thread.
 * <p>
 * Two triggers, one worker: the poller thread looks every {@code pollInterval} (cheap when modification time, size
 * and inode are unchanged; a full read at least every few seconds catches edits that keep all three), and a
 * {@link WatchService} on the folder wakes it at once on any change there (which also covers atomic rename-replace
 * and symlink swaps). Wake-ups go through a queue of one, so a burst of events costs one check. A changed file is
 * read again after {@code settle} until two reads agree, so a half-written file is not reported and the latest
 * content of a burst wins. Only content changes reach the listener, compared by SHA-256.
 */
final class FileWatcher implements AutoCloseable {

    /** Receives the new content, or (content null) the problem that keeps the file from being read. */
    interface Listener {
        void changed(byte[] content, IOException problem);
    }

    private static final System.Logger LOG = System.getLogger(FileWatcher.class.getName());
    private static final long FULL_READ_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int MAX_SETTLE_ROUNDS = 20;

    private final Path file;
    private final Duration pollInterval;
    private final Duration settle;
    private final Listener listener;
    private final boolean watchFolder;
    private final BlockingQueue<Boolean> wakeups = new ArrayBlockingQueue<>(1);
    private volatile boolean closed;
    private volatile WatchService watchService;
    private Thread poller;
    private Thread watcher;

    // poller-thread state (also touched by checkNow before the threads start)
    private byte[] lastDigest;
    private Object lastStat;
    private long lastFullRead;

    /** @param watchFolder false to rely on polling alone (tests of the fallback) */
    FileWatcher(Path file, Duration pollInterval, Duration settle, boolean watchFolder, Listener listener) {
        this.file = file.toAbsolutePath().normalize();
        this.watchFolder = watchFolder;
        this.pollInterval = pollInterval;
        this.settle = settle;
        this.listener = listener;
    }

    /** Reads the file now on the calling thread; call before {@link #start}. */
    void checkNow() {
        check(true);
    }

    /** Registers the folder watch (so no change after this call is missed) and starts both threads. */
    void start() {
        Path dir = file.getParent();
        try {
            if (!watchFolder) {
                throw new IOException("folder watch disabled");
            }
            WatchService ws = dir.getFileSystem().newWatchService();
            try {
                dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
                watchService = ws;
            } catch (IOException | RuntimeException e) {
                ws.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "cannot watch " + dir + " (" + e + "); polling every "
                    + pollInterval.toMillis() + " ms");
        }
        poller = new Thread(this::pollLoop, "phalanx-config-file-poll");
        poller.setDaemon(true);
        poller.start();
        if (watchService != null) {
            watcher = new Thread(this::watchLoop, "phalanx-config-file-watch");
            watcher.setDaemon(true);
            watcher.start();
        }
    }

    @Override
    public void close() {
        closed = true;
        WatchService ws = watchService;
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the watch service failed", e);
            }
        }
        for (Thread t : new Thread[] {poller, watcher}) {
            if (t != null && t != Thread.currentThread()) {
                t.interrupt();
                try {
                    t.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void pollLoop() {
        while (!closed) {
            Boolean woken;
            try {
                woken = wakeups.poll(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (closed) {
                return;
            }
            try {
                check(woken != null);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "checking " + file + " failed", e);
            }
        }
    }

    private void watchLoop() {
        WatchService ws = watchService;
        try {
            while (!closed) {
                WatchKey key = ws.take();
                key.pollEvents();
                wakeups.offer(Boolean.TRUE);
                if (!key.reset()) {
                    LOG.log(System.Logger.Level.WARNING, file.getParent() + " can no longer be watched; polling"
                            + " every " + pollInterval.toMillis() + " ms");
                    return;
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closing
        }
    }

    /** @param force read even when the modification time, size and inode look unchanged */
    private void check(boolean force) {
        Object stat = stat();
        long now = System.nanoTime();
        if (!force && stat != null && stat.equals(lastStat) && now - lastFullRead < FULL_READ_EVERY_NANOS) {
            return;
        }
        Read read = read();
        if (lastDigest != null && !Arrays.equals(read.digest, lastDigest)) {
            read = settled(read);
            if (read == null) {
                return;
            }
            stat = stat();
        }
        lastStat = stat;
        lastFullRead = now;
        if (Arrays.equals(read.digest, lastDigest)) {
            return;
        }
        lastDigest = read.digest;
        listener.changed(read.content, read.problem);
    }

    /** Reads again after a pause until two reads agree (bounded); null when closed meanwhile. */
    private Read settled(Read first) {
        Read read = first;
        for (int round = 0; round < MAX_SETTLE_ROUNDS; round++) {
            try {
                Thread.sleep(settle.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            if (closed) {
                return null;
            }
            Read again = read();
            if (Arrays.equals(again.digest, read.digest)) {
                return again;
            }
            read = again;
        }
        return read;
    }

    private Object stat() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return Arrays.asList(a.lastModifiedTime(), a.size(), Objects.toString(a.fileKey()));
        } catch (IOException e) {
            return null;
        }
    }

    private record Read(byte[] content, IOException problem, byte[] digest) {
    }

    private Read read() {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return new Read(bytes, null, sha256(bytes));
        } catch (IOException e) {
            // the same lasting problem must not be reported again on every poll
            String key = "unreadable:" + e.getClass().getName() + ":" + e.getMessage();
            return new Read(null, e, sha256(key.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
