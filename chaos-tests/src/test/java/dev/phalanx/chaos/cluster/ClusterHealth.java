package dev.phalanx.chaos.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.chaos.infra.Docker;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What "steady" means between scenarios, each as a readable problem when it does not hold: every etcd member
 * healthy; every node healthy, in a 3-member grid, in sync with etcd at least at a revision, all backends up, rate
 * limits not degraded; VIP i on node i and nowhere else.
 */
final class ClusterHealth {
    private final Topology topo;
    private final Docker docker;
    private final EtcdHttp etcd;
    private final AdminClient admin;

    ClusterHealth(Topology topo, Docker docker, EtcdHttp etcd, AdminClient admin) {
        this.topo = topo;
        this.docker = docker;
        this.etcd = etcd;
        this.admin = admin;
    }

    List<String> problems(long minRevision) {
        List<String> p = new ArrayList<>();
        for (int i = 1; i <= Topology.ETCD; i++) {
            if (!etcd.healthy(topo.etcdEndpoints().get(i - 1))) {
                p.add("etcd-" + i + " not healthy");
            }
        }
        for (int i : Topology.nodes()) {
            p.addAll(node(i, minRevision));
        }
        if (p.isEmpty()) {
            List<Set<String>> held = VipEvents.holders(docker, topo);
            for (int i : Topology.nodes()) {
                if (!held.get(i).equals(Set.of(topo.vip(i)))) {
                    p.add(Topology.nodeId(i) + " holds " + held.get(i) + ", should hold only " + topo.vip(i));
                }
            }
        }
        return p;
    }

    private List<String> node(int i, long minRevision) {
        String ip = topo.nodeIp(i);
        String id = Topology.nodeId(i);
        Optional<AdminClient.Answer> h = admin.get(ip, "/healthz");
        if (h.isEmpty() || h.get().status() != 200) {
            return List.of(id + " /healthz " + h.map(a -> a.status() + " " + a.body()).orElse("no answer"));
        }
        List<String> p = new ArrayList<>();
        Optional<JsonNode> cluster = admin.json(ip, "/cluster");
        int members = cluster.map(c -> c.path("members").size()).orElse(-1);
        if (members != Topology.NODES) {
            p.add(id + " sees " + members + " grid members");
        }
        Optional<JsonNode> config = admin.json(ip, "/config");
        long rev = config.map(c -> c.path("revision").asLong()).orElse(-1L);
        boolean inSync = config.map(c -> c.path("inSync").asBoolean()).orElse(false);
        if (!inSync || rev < minRevision) {
            p.add(id + " config revision " + rev + (inSync ? "" : " (not in sync)") + ", want >= " + minRevision);
        }
        String metrics = admin.get(ip, "/metrics").map(AdminClient.Answer::body).orElse("");
        long up = metrics.lines().filter(l -> l.startsWith("phalanx_endpoint_up{") && l.contains("pool=\"" + BaselineConfig.POOL + "\"")
                && l.endsWith(" 1.0")).count();
        if (up != Topology.BACKENDS) {
            p.add(id + " sees " + up + " of " + Topology.BACKENDS + " backends up");
        }
        // after a freeze or a split a node distrusts the grid for a while and grants from its fallback share
        if (metrics.lines().anyMatch(l -> l.startsWith("phalanx_ratelimit_degraded") && l.endsWith(" 1.0"))) {
            p.add(id + " rate limits degraded (fallback share)");
        }
        return p;
    }
}
