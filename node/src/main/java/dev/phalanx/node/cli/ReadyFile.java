package dev.phalanx.node.cli;

import dev.phalanx.node.Node;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.logging.Logger;

/**
 * {@code run --ready-file FILE}: the file appears (atomically, by rename) once the node is ready as {@code /readyz}
 * means it and its config source is in sync, and holds {@code pid=N} and {@code revision=R}; it is removed when the
 * node stops. During an in-place upgrade the old and the new process answer on the same admin port, so an
 * {@code /readyz} call cannot tell which process answered; this file can (docs/upgrade.md).
 */
final class ReadyFile {
    private static final Logger LOG = Logger.getLogger(ReadyFile.class.getName());
    /** How long a started node may take to become ready before it gives up (and drains). */
    static final long WAIT_MILLIS = 60_000;
    private static final long POLL_MILLIS = 50;

    private final Path file;

    ReadyFile(Path file) {
        this.file = file.toAbsolutePath();
    }

    /**
     * Waits until {@code node} is ready and writes the file; false (logged) when it never got ready or the write
     * failed. The node serves either way: an upgrade waiting for the file gives up and hands back to the old process.
     */
    boolean writeWhenReady(Node node) {
        long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000;
        List<String> reasons = node.notReadyReasons();
        while (!reasons.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            reasons = node.notReadyReasons();
        }
        if (!reasons.isEmpty()) {
            LOG.severe("not ready after " + WAIT_MILLIS + " ms (" + String.join(", ", reasons) + "); " + file
                    + " not written");
            return false;
        }
        String text = "pid=" + ProcessHandle.current().pid() + "\nrevision=" + node.appliedRevision() + "\n";
        try {
            Path dir = file.getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
            Files.writeString(temp, text, StandardCharsets.US_ASCII);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            LOG.severe("cannot write the ready file " + file + ": " + e);
            return false;
        }
        LOG.info("ready: wrote " + file);
        return true;
    }

    /** Removes the file if it still names this process (a newer process may have replaced it). */
    void remove() {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            if (text.startsWith("pid=" + ProcessHandle.current().pid() + "\n")) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // gone already
        }
    }
}
