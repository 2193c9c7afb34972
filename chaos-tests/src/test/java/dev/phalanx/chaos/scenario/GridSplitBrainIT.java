package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.chaos.cluster.BaselineConfig;
import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.cluster.Topology;
import dev.phalanx.chaos.load.Clock;
import dev.phalanx.chaos.load.LoadGenerator;
import dev.phalanx.chaos.load.Sample;
import dev.phalanx.chaos.report.ChaosReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * grid-split-brain: node-3's grid traffic (port 5701) is dropped both ways while the rate-limited route is
 * hammered through all VIPs; the grid splits into {node-1, node-2} and {node-3}, then heals. Every window stays
 * within limit + degraded nodes x floor(limit / 3); after the merge the ticket keys agree again (a session made on
 * any node resumes on the others).
 */
@ExtendWith(ChaosClusterExtension.class)
class GridSplitBrainIT {
    static final String[] ISOLATE = {"sh", "-c", "for c in INPUT OUTPUT; do for p in --dport --sport; do"
        + " iptables -A $c -p tcp $p " + Topology.GRID_PORT + " -j DROP || exit 1; done; done"};

    @Test
    void gridSplitBrain(ChaosCluster c) throws Exception {
        ChaosReport.get().run("grid-split-brain", r -> {
            c.reset();
            Topology t = c.topo();
            long windowMicros = BaselineConfig.WINDOW_SECONDS * 1_000_000L;
            List<Sample> samples;
            List<RateWindows.Window> windows;
            long splitAt;
            long detectedAt;
            long healAt;
            long mergedAt;
            try (RateWindows.DegradedSampler degraded = new RateWindows.DegradedSampler(c, windowMicros)) {
                LoadGenerator load = Scenarios.vipLoad(c, "/limited/split").start();
                Scenarios.sleep(4000);
                splitAt = Clock.micros();
                c.docker().execOk(t.nodeName(3), 20, ISOLATE);
                r.event(splitAt / 1000, "node-3: grid port " + Topology.GRID_PORT + " dropped both ways");
                ChaosCluster.waitFor("node-1 drops node-3 from the grid", Duration.ofSeconds(60),
                        () -> members(c, 1) == 2);
                detectedAt = Clock.micros();
                r.event(detectedAt / 1000, "node-1 sees 2 members");
                Scenarios.sleep(6000);
                healAt = Clock.micros();
                c.docker().execOk(t.nodeName(3), 20, "iptables", "-F");
                r.event(healAt / 1000, "node-3: grid traffic allowed again");
                ChaosCluster.waitFor("grid merged (3 members everywhere)", Duration.ofSeconds(120),
                        () -> Topology.nodes().stream().allMatch(i -> members(c, i) == 3));
                mergedAt = Clock.micros();
                r.event(mergedAt / 1000, "every node sees 3 members");
                Scenarios.sleep(4000);
                samples = load.stop();
                windows = RateWindows.count(samples, windowMicros, BaselineConfig.LIMIT, degraded.byWindow());
            }
            Path dir = Files.createTempDirectory("phalanx-chaos-split");
            long consistentAt = -1;
            long deadline = System.nanoTime() + 90_000_000_000L;
            while (consistentAt < 0 && System.nanoTime() < deadline) {
                if (crossResumes(t, dir)) {
                    consistentAt = Clock.micros();
                } else {
                    Thread.sleep(2000);
                }
            }
            List<RateWindows.Window> over = windows.stream().filter(w -> w.certain() > w.bound()).toList();
            r.figure("limit", BaselineConfig.LIMIT);
            r.figure("admitted", samples.stream().filter(s -> s.answered() && s.status() == 200).count());
            r.figure("max_window_admitted", windows.stream().mapToInt(RateWindows.Window::certain).max().orElse(0));
            r.figure("windows_degraded", windows.stream().filter(w -> w.degraded() > 0).count());
            r.figure("split_detected_ms", (detectedAt - splitAt) / 1000);
            r.figure("merged_after_heal_ms", (mergedAt - healAt) / 1000);
            r.figure("tickets_consistent_after_merge_ms", consistentAt < 0 ? -1 : (consistentAt - mergedAt) / 1000);
            Scenarios.loadFigures(r, samples, RatelimitGlobalIT::limitedOk);
            r.goal("max_window_admitted", "<= limit + degraded x floor(limit/3)", over.isEmpty());
            r.goal("max_window_admitted_without_degraded", "<= limit", windows.stream()
                    .filter(w -> w.degraded() == 0).allMatch(w -> w.certain() <= BaselineConfig.LIMIT));
            r.raw("windows", RateWindows.rows(windows));
            r.samples("samples", samples);
            r.note("Degraded nodes are sampled from phalanx_ratelimit_degraded every 250 ms; a window's bound uses the"
                    + " most degraded nodes seen in it or next to it. Tickets: a session made on each node must resume"
                    + " on the other two (checked until it holds, at most 90 s after the merge).");
            assertEquals(List.of(), over, "windows admitted more than the bound during the split");
            assertTrue(consistentAt >= 0, "TLS sessions did not resume across all nodes within 90 s of the merge");
            assertEquals(0L, samples.stream().filter(s -> !RatelimitGlobalIT.limitedOk(s)).count(),
                    "requests failed (neither 200 nor 429)");
        });
    }

    static int members(ChaosCluster c, int node) {
        return c.admin().json(c.topo().nodeIp(node), "/cluster").map(j -> j.path("members").size()).orElse(-1);
    }

    /** A session made on each node resumes on each other node. */
    static boolean crossResumes(Topology t, Path dir) {
        for (int from : Topology.nodes()) {
            Path f = dir.resolve("from-" + from);
            if (!TlsSessions.create(t.nodeIp(from), f)) {
                return false;
            }
            for (int to : Topology.nodes()) {
                if (to != from && !TlsSessions.resume(t.nodeIp(to), f)) {
                    return false;
                }
            }
        }
        return true;
    }
}
