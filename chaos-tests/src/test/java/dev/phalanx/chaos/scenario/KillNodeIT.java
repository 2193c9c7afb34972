package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.cluster.Topology;
import dev.phalanx.chaos.cluster.VipEvents;
import dev.phalanx.chaos.load.Clock;
import dev.phalanx.chaos.load.LoadGenerator;
import dev.phalanx.chaos.load.Sample;
import dev.phalanx.chaos.report.ChaosReport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * kill-node: SIGKILL the container of node-1 (VRRP owner of VIP 1) under load. The VIP must end on node-2 (the
 * next priority; node-3's master-down timer may fire first, and it steps down on node-2's first advert), and no
 * request on a connection opened after the VIP arrived may fail.
 */
@ExtendWith(ChaosClusterExtension.class)
class KillNodeIT {
    @Test
    void killNode(ChaosCluster c) throws Exception {
        ChaosReport.get().run("kill-node", r -> {
            c.reset();
            Topology t = c.topo();
            String vip = t.vip(1);
            LoadGenerator load = Scenarios.vipLoad(c, "/chaos/kill").start();
            Scenarios.sleep(3000);
            long killCall = Clock.micros();
            c.docker().kill(t.nodeName(1), "KILL");
            Instant died = c.docker().state(t.nodeName(1)).finishedAt();
            long diedMicros = died == null ? killCall : Clock.micros(died);
            r.event(killCall / 1000, "docker kill -s KILL " + t.nodeName(1));
            r.event(diedMicros / 1000, "node-1 dead (container finishedAt)");
            Scenarios.awaitHolder(c, vip, 2, Duration.ofSeconds(15));
            Scenarios.sleep(6000);
            List<Sample> samples = load.stop();

            List<VipEvents.Event> events = VipEvents.read(c.docker(), t, killCall - 2_000_000);
            Optional<VipEvents.Event> moved = Scenarios.arrival(events, vip, 1, diedMicros - 500_000);
            assertTrue(moved.isPresent(), "VIP " + vip + " never arrived on another node");
            long moveAt = moved.get().atMicros();
            r.event(moveAt / 1000, vip + " added on node-" + moved.get().node());
            r.figure("vip_move_ms", (moveAt - diedMicros) / 1000);
            r.figure("vip_move_from_kill_call_ms", (moveAt - killCall) / 1000);
            r.figure("first_holder", "node-" + moved.get().node());
            r.figure("final_holder", "node-2");
            Scenarios.loadFigures(r, samples, Scenarios::ok);
            List<Sample> after = Scenarios.failedOnConnectionsOpenedAfter(samples, moveAt, Scenarios::ok);
            r.figure("failed_after_move", after.size());
            long firstOkAfter = samples.stream().filter(s -> s.target() == 1 && s.startMicros() >= diedMicros
                    && Scenarios.ok(s)).mapToLong(Sample::endMicros).min().orElse(-1);
            r.figure("client_recovery_ms", firstOkAfter < 0 ? -1 : (firstOkAfter - diedMicros) / 1000);
            r.goal("vip_move_ms", "<= 1000", (moveAt - diedMicros) / 1000 <= 1000);
            r.goal("failed_after_move", "== 0", after.isEmpty());
            r.raw("vip_events", Scenarios.eventRows(events, r.startedAtMillis() * 1000));
            r.samples("samples", samples);
            r.note("Requests in flight on node-1's connections fail (reset once the VIP moved, or time out before);"
                    + " failed_after_move counts failures on connections opened after the VIP arrived on its new holder.");
            assertEquals(List.of(), after.stream().map(s -> s.row(r.startedAtMillis() * 1000)).map(java.util.Arrays::toString).toList(),
                    "requests on connections opened after the VIP moved failed");
        });
    }
}
