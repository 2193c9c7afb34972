package dev.phalanx.node.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Re-reads certificate and key files when they change on disk (certbot-style renewals, including its symlink swaps):
 * one daemon thread polls every listener's files, comparing modification time and size, and confirms a change by
 * the content's SHA-256 before the listener reloads. Never runs on an event loop.
 */
public final class CertificateWatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CertificateWatcher.class.getName());
    private final ScheduledExecutorService thread;

    public CertificateWatcher(List<ListenerTls> listeners, Duration every) {
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "phalanx-cert-watcher");
            t.setDaemon(true);
            return t;
        });
        long ms = every.toMillis();
        thread.scheduleWithFixedDelay(() -> {
            for (ListenerTls l : listeners) {
                try {
                    l.reloadIfChanged();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "listener " + l.listener() + ": certificate check failed", e);
                }
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }

    /** What was last seen of one file (through symlinks). */
    static final class FileState {
        private final Path path;
        private long modified = -1;
        private long size = -1;
        private byte[] hash;

        FileState(Path path) {
            this.path = path;
            poll();
        }

        /** Whether the content changed since the last poll (a file that vanished is not a change). */
        boolean poll() {
            long m;
            long s;
            try {
                m = Files.getLastModifiedTime(path).toMillis();
                s = Files.size(path);
            } catch (IOException e) {
                return false; // mid-rename or removed: keep what is loaded
            }
            if (m == modified && s == size) {
                return false;
            }
            modified = m;
            size = s;
            byte[] h;
            try {
                h = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(path));
            } catch (IOException e) {
                modified = -1; // read again next time
                return false;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            boolean changed = hash != null && !Arrays.equals(hash, h);
            hash = h;
            return changed;
        }
    }
}
