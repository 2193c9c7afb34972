package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.cluster.KeepalivedConfig;
import dev.phalanx.chaos.cluster.Topology;
import dev.phalanx.chaos.cluster.VipEvents;
import dev.phalanx.chaos.load.Clock;
import dev.phalanx.chaos.load.LoadGenerator;
import dev.phalanx.chaos.load.Sample;
import dev.phalanx.chaos.report.ChaosReport;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * freeze-node: docker pause node-1 (like a long GC pause or a stalled VM) for 5 s under load, then unpause. While
 * frozen its VIP moves to node-2; after the unpause no VIP may stay on two nodes for longer than one advert period.
 */
@ExtendWith(ChaosClusterExtension.class)
class FreezeNodeIT {
    @Test
    void freezeNode(ChaosCluster c) throws Exception {
        ChaosReport.get().run("freeze-node", r -> {
            c.reset();
            Topology t = c.topo();
            long advertMicros = Math.round(Double.parseDouble(KeepalivedConfig.Settings.forTests().advertInt()) * 1e6);
            List<Set<String>> before = VipEvents.holders(c.docker(), t);
            long snapshotAt = Clock.micros();
            LoadGenerator load = Scenarios.vipLoad(c, "/chaos/freeze").start();
            Scenarios.sleep(3000);
            long pauseAt = Clock.micros();
            c.docker().pause(t.nodeName(1));
            r.event(pauseAt / 1000, "docker pause " + t.nodeName(1));
            Scenarios.awaitHolder(c, t.vip(1), 2, Duration.ofSeconds(15));
            Scenarios.sleep(4000);
            long unpauseAt = Clock.micros();
            c.docker().unpause(t.nodeName(1));
            r.event(unpauseAt / 1000, "docker unpause " + t.nodeName(1));
            Scenarios.sleep(6000);
            List<Sample> samples = load.stop();
            long end = Clock.micros();

            List<VipEvents.Event> events = VipEvents.read(c.docker(), t, snapshotAt);
            Map<String, Object> dualAfter = new LinkedHashMap<>();
            long worstAfter = 0;
            long worstDuring = 0;
            for (int v : Topology.nodes()) {
                String vip = t.vip(v);
                Set<Integer> initial = new java.util.HashSet<>();
                for (int n : Topology.nodes()) {
                    if (before.get(n).contains(vip)) {
                        initial.add(n);
                    }
                }
                long after = VipTimeline.longestDualMicros(initial, events, vip, unpauseAt, end);
                long during = VipTimeline.longestDualMicros(initial, events, vip, pauseAt, unpauseAt);
                dualAfter.put(vip, after / 1000.0);
                worstAfter = Math.max(worstAfter, after);
                worstDuring = Math.max(worstDuring, during);
            }
            var moved = Scenarios.arrival(events, t.vip(1), 1, pauseAt);
            moved.ifPresent(e -> r.figure("vip_move_ms", (e.atMicros() - pauseAt) / 1000));
            r.figure("max_dual_holding_ms", worstAfter / 1000.0);
            r.figure("dual_holding_after_unpause_ms", dualAfter);
            r.figure("dual_holding_while_frozen_ms", worstDuring / 1000.0);
            r.figure("advert_int_ms", advertMicros / 1000);
            Scenarios.loadFigures(r, samples, Scenarios::ok);
            long moveAt = moved.map(VipEvents.Event::atMicros).orElse(pauseAt);
            List<Sample> afterMove = samples.stream().filter(s -> s.connOpenedMicros() >= moveAt
                    && s.startMicros() < unpauseAt && !Scenarios.ok(s)).toList();
            r.figure("failed_after_move", afterMove.size());
            var back = events.stream().filter(e -> e.added() && e.node() == 1 && e.vip().equals(t.vip(1))
                    && e.atMicros() >= unpauseAt).findFirst();
            long settled = back.map(VipEvents.Event::atMicros).orElse(unpauseAt);
            List<Sample> afterSettle = Scenarios.failedOnConnectionsOpenedAfter(samples, settled, Scenarios::ok);
            r.figure("failed_after_unpause_settled", afterSettle.size());
            r.goal("vip_move_ms", "<= 1000", moved.isPresent() && (moved.get().atMicros() - pauseAt) / 1000 <= 1000);
            r.raw("vip_events", Scenarios.eventRows(events, r.startedAtMillis() * 1000));
            r.samples("samples", samples);
            r.note("While node-1 is frozen its kernel still holds VIP 1 and answers ARP, so both nodes have it"
                    + " (dual_holding_while_frozen_ms); after the unpause node-1 preempts VIP 1 back (priority 200),"
                    + " which resets the connections opened on node-2 meanwhile.");
            assertTrue(moved.isPresent(), "VIP 1 never moved while node-1 was frozen");
            assertTrue(worstAfter <= advertMicros, "a VIP stayed on two nodes for " + worstAfter / 1000.0
                    + " ms after the unpause, more than one advert period (" + advertMicros / 1000 + " ms): " + dualAfter);
            assertTrue(afterMove.isEmpty() && afterSettle.isEmpty(), "requests failed on connections opened after"
                    + " the VIP moved: " + Scenarios.describe(afterMove, r.startedAtMillis() * 1000, 10) + " / "
                    + Scenarios.describe(afterSettle, r.startedAtMillis() * 1000, 10));
        });
    }
}
