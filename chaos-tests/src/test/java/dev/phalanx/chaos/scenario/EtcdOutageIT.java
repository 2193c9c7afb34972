package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.cluster.Topology;
import dev.phalanx.chaos.load.Clock;
import dev.phalanx.chaos.load.HttpConnection;
import dev.phalanx.chaos.load.LoadGenerator;
import dev.phalanx.chaos.load.Sample;
import dev.phalanx.chaos.report.ChaosReport;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * etcd-outage: all three etcd members killed under load. Serving goes on; node-3, killed and started again while
 * etcd is down, serves from its persisted snapshot; once etcd is back a change reaches every node.
 */
@ExtendWith(ChaosClusterExtension.class)
class EtcdOutageIT {
    @Test
    void etcdOutage(ChaosCluster c) throws Exception {
        ChaosReport.get().run("etcd-outage", r -> {
            c.reset();
            Topology t = c.topo();
            LoadGenerator load = Scenarios.vipLoad(c, "/chaos/etcd-outage").start();
            Scenarios.sleep(2000);
            long outAt = Clock.micros();
            for (int i = 1; i <= Topology.ETCD; i++) {
                c.docker().kill(t.etcdName(i), "KILL");
            }
            r.event(outAt / 1000, "all etcd members killed");
            Scenarios.sleep(3000);
            long restartAt = Clock.micros();
            c.docker().kill(t.nodeName(3), "KILL");
            c.docker().start(t.nodeName(3));
            r.event(restartAt / 1000, "node-3 killed and started again (etcd down)");
            ChaosCluster.waitFor("node-3 healthy from its snapshot", Duration.ofSeconds(90), () -> c.admin()
                    .get(t.nodeIp(3), "/healthz").map(a -> a.status() == 200).orElse(false));
            long healthyAt = Clock.micros();
            r.event(healthyAt / 1000, "node-3 /healthz 200");
            boolean servesSnapshot = serves(t.nodeIp(3));
            String readyz = c.admin().get(t.nodeIp(3), "/readyz").map(a -> a.status() + " " + a.body()).orElse("none");
            long backAt = Scenarios.awaitHolder(c, t.vip(3), 3, Duration.ofSeconds(30));
            Scenarios.sleep(2000);
            long recoverAt = Clock.micros();
            for (int i = 1; i <= Topology.ETCD; i++) {
                c.docker().start(t.etcdName(i));
            }
            r.event(recoverAt / 1000, "etcd members started again");
            ChaosCluster.waitFor("etcd quorum", Duration.ofSeconds(60),
                    () -> t.etcdEndpoints().stream().allMatch(c.etcd()::healthy));
            long quorumAt = Clock.micros();
            double[] ms;
            try (Propagation p = new Propagation(c)) {
                ms = p.put("prop-after-outage", Duration.ofSeconds(30)).ms();
            }
            Scenarios.sleep(1000);
            List<Sample> samples = load.stop();

            r.figure("node_restart_to_healthy_ms", (healthyAt - restartAt) / 1000);
            r.figure("node3_readyz_while_etcd_down", readyz);
            r.figure("etcd_quorum_after_start_ms", (quorumAt - recoverAt) / 1000);
            r.figure("change_after_recovery_ms_per_node", ms);
            Scenarios.loadFigures(r, samples, Scenarios::ok);
            List<Sample> otherVips = samples.stream().filter(s -> s.target() != 3 && !Scenarios.ok(s)).toList();
            List<Sample> vip3After = Scenarios.failedOnConnectionsOpenedAfter(samples, backAt, Scenarios::ok);
            r.figure("failed_vip1_vip2", otherVips.size());
            r.figure("failed_after_move", vip3After.size());
            r.samples("samples", samples);
            r.note("VIP 3 moves to node-1 while node-3 restarts (its in-flight requests fail, counted under vip3)"
                    + " and back when node-3 is healthy again; VIPs 1 and 2 must not notice the outage at all.");
            assertTrue(servesSnapshot, "node-3 restarted while etcd was down does not serve its snapshot");
            assertTrue(Arrays.stream(ms).allMatch(v -> v >= 0), "a change after etcd recovered did not reach every node: "
                    + Arrays.toString(ms));
            assertEquals(0, otherVips.size(), "requests on VIP 1 and 2 failed during the etcd outage: "
                    + Scenarios.describe(otherVips, r.startedAtMillis() * 1000, 10));
            assertEquals(0, vip3After.size(), "requests on connections opened after VIP 3 came back failed: "
                    + Scenarios.describe(vip3After, r.startedAtMillis() * 1000, 10));
        });
    }

    private static boolean serves(String ip) {
        try (HttpConnection conn = HttpConnection.open(ip, Topology.HTTP_PORT, 1000, 2000)) {
            return conn.get("/chaos/snapshot", "chaos.phalanx.test").status() == 200;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
