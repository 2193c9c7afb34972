package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.admin.VrrpReport;
import dev.phalanx.node.admin.VrrpStates;
import dev.phalanx.node.metrics.Meters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What keepalived reported to one process is known to the next one that starts on the same state folder. */
class VrrpStateFileTest {
    @TempDir
    Path dir;

    @Test
    void aStartingProcessReadsTheStatesTheOldOneWasTold() throws Exception {
        VrrpStates old = new VrrpStates(new Meters());
        try (VrrpStateFile file = new VrrpStateFile(dir, old)) {
            old.onReport(file::saveSoon);
            old.report(new VrrpReport("VI_1", VrrpReport.State.MASTER, List.of("192.0.2.101"), 200));
            old.report(new VrrpReport("VI_2", VrrpReport.State.BACKUP, List.of("192.0.2.102"), 190));
            Path json = dir.resolve(VrrpStateFile.FILE_NAME);
            long end = System.nanoTime() + 5_000_000_000L;
            while (!(Files.exists(json) && Files.readString(json).contains("VI_2")) && System.nanoTime() < end) {
                Thread.sleep(20);
            }
        }
        VrrpStates fresh = new VrrpStates(new Meters());
        try (VrrpStateFile file = new VrrpStateFile(dir, fresh)) {
            file.load();
        }
        assertEquals(List.of("VI_1"), fresh.masters());
        assertEquals(2, fresh.entries().size());
    }

    @Test
    void aDamagedFileIsIgnored() throws Exception {
        Files.writeString(dir.resolve(VrrpStateFile.FILE_NAME), "[{\"instance\": \"VI_1\", \"state\": \"BOSS\"}]");
        VrrpStates fresh = new VrrpStates(new Meters());
        try (VrrpStateFile file = new VrrpStateFile(dir, fresh)) {
            file.load();
        }
        assertTrue(fresh.isEmpty());
    }
}
