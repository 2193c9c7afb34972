package dev.phalanx.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.phalanx.node.admin.VrrpReport;
import dev.phalanx.node.admin.VrrpStates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * The VRRP states keepalived reported, kept in {@code <stateDir>/vrrp-states.json}, so that the new process of an
 * in-place upgrade (docs/upgrade.md) knows which VIPs the node holds: keepalived only reports transitions, and none
 * happens during a handover. Without them a later drain of the new process would wait {@code drain.releaseGrace}
 * instead of watching the VIPs leave. Written after every report on its own thread (never the admin event loop),
 * read once at start-up.
 */
final class VrrpStateFile implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(VrrpStateFile.class.getName());
    static final String FILE_NAME = "vrrp-states.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final VrrpStates states;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "phalanx-vrrp-state");
        t.setDaemon(true);
        return t;
    });

    /** @param stateDir {@code node.stateDir}; null = keep nothing */
    VrrpStateFile(Path stateDir, VrrpStates states) {
        this.file = stateDir == null ? null : stateDir.resolve(FILE_NAME);
        this.states = states;
    }

    /** Reports every state the file holds; a missing file is nothing, a bad one is logged and ignored. */
    void load() {
        if (file == null || !Files.isRegularFile(file)) {
            return;
        }
        int n = 0;
        try {
            JsonNode root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            for (JsonNode entry : root) {
                ObjectNode report = ((ObjectNode) entry).deepCopy();
                report.remove("since");
                states.report(VrrpReport.parse(report.toString()));
                n++;
            }
        } catch (IOException | RuntimeException e) {
            LOG.warning("VRRP states in " + file + " not used: " + e.getMessage());
            return;
        }
        LOG.info(n + " VRRP state(s) read from " + file + " (the last ones keepalived reported to this node)");
    }

    /** Writes the states soon, off the caller's thread; several reports in a row make one write. */
    void saveSoon() {
        if (file != null && pending.compareAndSet(false, true)) {
            try {
                writer.execute(this::save);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pending.set(false); // closing
            }
        }
    }

    private void save() {
        pending.set(false);
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), "." + FILE_NAME + ".", ".tmp");
            Files.writeString(temp, states.toJson().toString(), StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            LOG.warning("cannot write the VRRP states to " + file + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
