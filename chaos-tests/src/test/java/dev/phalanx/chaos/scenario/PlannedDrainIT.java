package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.chaos.cluster.AdminClient;
import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.cluster.Topology;
import dev.phalanx.chaos.cluster.VipEvents;
import dev.phalanx.chaos.load.Clock;
import dev.phalanx.chaos.load.LoadGenerator;
import dev.phalanx.chaos.load.Sample;
import dev.phalanx.chaos.report.ChaosReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * planned-drain: POST /drain to node-1 under load from plain, non-retrying keep-alive clients. The node closes its
 * keep-alive connections, gives its VIP away (keepalived sees /healthz 503), keeps accepting while the move takes
 * effect, then exits. Asserted: no request fails but one in flight at the instant VIP 1 changes hands (the window
 * that only forwarding between the holders would close, reported as {@code failed_in_flight_at_move}); the goal
 * {@code failed == 0} is reported.
 */
@ExtendWith(ChaosClusterExtension.class)
class PlannedDrainIT {
    @Test
    void plannedDrain(ChaosCluster c) throws Exception {
        ChaosReport.get().run("planned-drain", r -> {
            c.reset();
            Topology t = c.topo();
            String ip = t.nodeIp(1);
            // keepalived's notify script told the node which VIP it holds (interface: /cluster "vrrp")
            JsonNode vrrpBefore = c.admin().json(ip, "/cluster").map(j -> j.path("vrrp")).orElse(null);
            r.figure("vrrp_before_drain", vrrpBefore == null || vrrpBefore.isMissingNode() ? "absent" : vrrpBefore.toString());
            String notifyLog = c.docker().exec(t.nodeName(1), 20, "cat", "/var/log/keepalived/phalanx-vrrp.log").stdout();
            r.raw("notify_log_node1_before", notifyLog.lines().toList());
            LoadGenerator load = Scenarios.vipLoad(c, "/chaos/drain").start();
            Scenarios.sleep(3000);
            long drainAt = Clock.micros();
            Optional<AdminClient.Answer> answer = c.admin().post(ip, "/drain", "");
            r.event(drainAt / 1000, "POST /drain to node-1: " + answer.map(a -> a.status() + " " + a.body()).orElse("no answer"));
            Map<String, Long> phases = new LinkedHashMap<>();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (c.docker().state(t.nodeName(1)).running() && System.nanoTime() < deadline) {
                Optional<JsonNode> cluster = c.admin().json(ip, "/cluster");
                String phase = cluster.map(j -> j.path("drain").path("phase").asText("")).orElse("");
                if (!phase.isEmpty() && !phases.containsKey(phase)) {
                    phases.put(phase, (Clock.micros() - drainAt) / 1000);
                    r.event(Clock.millis(), "drain phase " + phase);
                }
                Thread.sleep(100);
            }
            long exitedAt = Clock.micros();
            boolean exited = !c.docker().state(t.nodeName(1)).running();
            r.event(exitedAt / 1000, exited ? "node-1 exited" : "node-1 still running after 60 s");
            Scenarios.sleep(3000);
            List<Sample> samples = load.stop();

            List<VipEvents.Event> events = VipEvents.read(c.docker(), t, drainAt - 1_000_000);
            Optional<VipEvents.Event> moved = Scenarios.arrival(events, t.vip(1), 1, drainAt);
            moved.ifPresent(e -> r.figure("vip_move_ms", (e.atMicros() - drainAt) / 1000));
            r.figure("drain_to_exit_ms", (exitedAt - drainAt) / 1000);
            r.figure("drain_phases_ms", phases);
            Scenarios.loadFigures(r, samples, Scenarios::ok);
            List<Sample> failed = samples.stream().filter(s -> !Scenarios.ok(s)).toList();
            moved.ifPresent(e -> r.figure("failed_after_move",
                    Scenarios.failedOnConnectionsOpenedAfter(samples, e.atMicros(), Scenarios::ok).size()));
            // the window that remains (docs/failover.md, "What would close the last window"): a request still in
            // flight on the draining node when its VIP changes hands loses its connection; every other must pass
            List<Long> vipChanges = events.stream().filter(e -> e.vip().equals(t.vip(1)) && e.atMicros() >= drainAt)
                    .map(VipEvents.Event::atMicros).toList();
            List<Sample> inFlightAtMove = failed.stream().filter(s -> inFlightAt(s, vipChanges)).toList();
            List<Sample> lost = failed.stream().filter(s -> !inFlightAt(s, vipChanges)).toList();
            r.figure("failed_in_flight_at_move", inFlightAtMove.size());
            r.figure("failed_outside_move", lost.size());
            r.goal("failed", "== 0", failed.isEmpty());
            r.raw("vip_events", Scenarios.eventRows(events, r.startedAtMillis() * 1000));
            r.samples("samples", samples);
            if (phases.isEmpty()) {
                r.note("/cluster showed no drain phases: this node build has no phased drain (closing, releasing,"
                        + " finishing) yet.");
            }
            r.note("A failure here is a request the drain lost; failures_by_kind says which VIP and how.");
            assertTrue(notifyLog.contains(" VI_1 MASTER "), "the notify log of node-1 has no VI_1 MASTER line: " + notifyLog);
            assertTrue(holdsAsMaster(vrrpBefore, Topology.instance(1), t.vip(1)), "/cluster of node-1 does not show "
                    + Topology.instance(1) + " MASTER with " + t.vip(1) + " before the drain (keepalived's notify POSTs"
                    + " /vrrp): " + vrrpBefore);
            assertEquals(202, answer.map(AdminClient.Answer::status).orElse(-1), "POST /drain");
            assertTrue(exited, "node-1 did not exit within 60 s of the drain");
            assertTrue(moved.isPresent(), "VIP 1 never moved off the draining node-1");
            assertEquals(0, lost.size(), "requests failed during the planned drain that were not in flight when VIP 1"
                    + " changed hands: " + Scenarios.describe(lost, r.startedAtMillis() * 1000, 15));
        });
    }

    /** Whether the request was in flight (give or take the 10 ms of the two clocks' reading) at one of the moves. */
    static boolean inFlightAt(Sample s, List<Long> moves) {
        return moves.stream().anyMatch(m -> s.startMicros() <= m + SLACK_MICROS && s.endMicros() >= m - SLACK_MICROS);
    }

    private static final long SLACK_MICROS = 10_000;

    static boolean holdsAsMaster(JsonNode vrrp, String instance, String vip) {
        if (vrrp == null || !vrrp.isArray()) {
            return false;
        }
        for (JsonNode i : vrrp) {
            if (instance.equals(i.path("instance").asText()) && "MASTER".equals(i.path("state").asText())) {
                for (JsonNode v : i.path("vips")) {
                    if (vip.equals(v.asText())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
