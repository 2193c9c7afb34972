package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.cluster.Topology;
import dev.phalanx.chaos.load.Clock;
import dev.phalanx.chaos.load.LoadGenerator;
import dev.phalanx.chaos.load.Sample;
import dev.phalanx.chaos.report.ChaosReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * etcd-leader-loss: SIGKILL the etcd leader under load, then write routes through the two survivors. Every change
 * must still reach all three nodes, and serving must not notice.
 */
@ExtendWith(ChaosClusterExtension.class)
class EtcdLeaderLossIT {
    @Test
    void etcdLeaderLoss(ChaosCluster c) throws Exception {
        ChaosReport.get().run("etcd-leader-loss", r -> {
            c.reset();
            Topology t = c.topo();
            int leader = leader(c).orElseThrow(() -> new IllegalStateException("no etcd leader found"));
            r.figure("killed_member", "etcd-" + leader);
            LoadGenerator load = Scenarios.vipLoad(c, "/chaos/etcd-leader").start();
            Scenarios.sleep(2000);
            long killAt = Clock.micros();
            c.docker().kill(t.etcdName(leader), "KILL");
            r.event(killAt / 1000, "docker kill -s KILL " + t.etcdName(leader) + " (leader)");
            List<double[]> perRoute = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            long newLeaderAt = -1;
            try (Propagation p = new Propagation(c)) {
                for (int k = 0; k < 10; k++) {
                    String id = "prop-leader-" + k;
                    double[] ms = p.put(id, Duration.ofSeconds(20)).ms();
                    perRoute.add(ms);
                    for (int n = 0; n < ms.length; n++) {
                        if (ms[n] < 0) {
                            missing.add(id + " on node-" + (n + 1));
                        }
                    }
                    if (newLeaderAt < 0 && leader(c).isPresent()) {
                        newLeaderAt = Clock.micros();
                    }
                }
            }
            Scenarios.sleep(1000);
            List<Sample> samples = load.stop();
            double[] all = perRoute.stream().flatMapToDouble(Arrays::stream).filter(v -> v >= 0).sorted().toArray();
            r.figure("first_change_all_nodes_ms", Arrays.stream(perRoute.get(0)).max().orElse(-1));
            r.figure("propagation_p50_ms", Scenarios.percentile(all, 50));
            r.figure("propagation_p99_ms", Scenarios.percentile(all, 99));
            r.figure("new_leader_seen_after_ms", newLeaderAt < 0 ? -1 : (newLeaderAt - killAt) / 1000);
            r.figure("not_served", missing.size());
            Scenarios.loadFigures(r, samples, Scenarios::ok);
            r.raw("propagation_ms_per_route_and_node", perRoute);
            r.samples("samples", samples);
            r.note("The first put goes out right after the kill, through whichever member answers; the put itself"
                    + " waits for a new leader, so first_change_all_nodes_ms includes the election.");
            assertEquals(List.of(), missing, "changes did not reach every node after the etcd leader was lost");
            assertTrue(samples.stream().allMatch(Scenarios::ok), "requests failed while etcd lost its leader: "
                    + Scenarios.describe(samples.stream().filter(s -> !Scenarios.ok(s)).toList(), r.startedAtMillis() * 1000, 10));
        });
    }

    /** 1-based index of the member that leads, as the members that answer see it. */
    static Optional<Integer> leader(ChaosCluster c) {
        for (int i = 1; i <= Topology.ETCD; i++) {
            Optional<String> s = c.etcd().status(c.topo().etcdEndpoints().get(i - 1));
            if (s.isPresent()) {
                String[] idLeader = s.get().split("/");
                if (idLeader.length == 2 && idLeader[0].equals(idLeader[1]) && !idLeader[0].isEmpty()
                        && !idLeader[0].equals("0")) {
                    return Optional.of(i);
                }
            }
        }
        return Optional.empty();
    }
}
