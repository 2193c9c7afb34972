package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.cluster.Topology;
import dev.phalanx.chaos.load.Clock;
import dev.phalanx.chaos.load.LoadGenerator;
import dev.phalanx.chaos.load.Sample;
import dev.phalanx.chaos.report.ChaosReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * backend-crash: SIGKILL backend-1 under load. Every node must take it out of the pool (active health check and
 * outlier ejection); once all have, nothing may fail. Figure: how long until it was out everywhere.
 */
@ExtendWith(ChaosClusterExtension.class)
class BackendCrashIT {
    @Test
    void backendCrash(ChaosCluster c) throws Exception {
        ChaosReport.get().run("backend-crash", r -> {
            c.reset();
            Topology t = c.topo();
            String endpoint = t.backendIp(1) + ":" + Topology.BACKEND_PORT;
            LoadGenerator load = Scenarios.vipLoad(c, "/chaos/backend").start();
            Scenarios.sleep(3000);
            long killAt = Clock.micros();
            c.docker().kill(t.backendName(1), "KILL");
            r.event(killAt / 1000, "docker kill -s KILL " + t.backendName(1));
            Map<String, Long> outAt = new LinkedHashMap<>();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (outAt.size() < Topology.NODES && System.nanoTime() < deadline) {
                for (int i : Topology.nodes()) {
                    String id = Topology.nodeId(i);
                    if (!outAt.containsKey(id) && endpointDown(c, t.nodeIp(i), endpoint)) {
                        outAt.put(id, (Clock.micros() - killAt) / 1000);
                        r.event(Clock.millis(), endpoint + " out of the pool on " + id);
                    }
                }
                Thread.sleep(100);
            }
            long ejectedAll = killAt + outAt.values().stream().mapToLong(v -> v).max().orElse(0) * 1000;
            Scenarios.sleep(5000);
            List<Sample> samples = load.stop();
            r.figure("ejected_ms", outAt.size() == Topology.NODES ? (ejectedAll - killAt) / 1000 : -1);
            r.figure("ejected_ms_per_node", outAt);
            Scenarios.loadFigures(r, samples, Scenarios::ok);
            List<Sample> after = samples.stream().filter(s -> s.startMicros() >= ejectedAll && !Scenarios.ok(s)).toList();
            List<Sample> before = samples.stream().filter(s -> s.startMicros() >= killAt && s.startMicros() < ejectedAll
                    && !Scenarios.ok(s)).toList();
            r.figure("failed_after_ejection", after.size());
            r.figure("failed_before_ejection", before.size());
            r.goal("failed", "== 0 (retries on connect-failure and reset)", before.isEmpty() && after.isEmpty());
            r.samples("samples", samples);
            r.note("Pool: active probe every 500 ms (fall 2), outlier ejection after 3 failures, route retries on"
                    + " connect-failure, reset, 502, 503; ejected_ms is the kill-to-out time of the slowest node"
                    + " (phalanx_endpoint_up polled every 100 ms).");
            assertTrue(outAt.size() == Topology.NODES, "backend-1 still in the pool on some node after 30 s: " + outAt);
            assertTrue(after.isEmpty(), "requests failed after every node had ejected backend-1: "
                    + Scenarios.describe(after, r.startedAtMillis() * 1000, 10));
        });
    }

    private static boolean endpointDown(ChaosCluster c, String nodeIp, String endpoint) {
        String metrics = c.admin().get(nodeIp, "/metrics").map(a -> a.body()).orElse("");
        return metrics.lines().anyMatch(l -> l.startsWith("phalanx_endpoint_up{") && l.contains("\"" + endpoint + "\"")
                && l.endsWith(" 0.0"));
    }
}
