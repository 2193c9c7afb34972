package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.phalanx.chaos.ansible.AnsibleCluster;
import dev.phalanx.chaos.ansible.AnsibleClusterExtension;
import dev.phalanx.chaos.ansible.AnsibleTopology;
import dev.phalanx.chaos.infra.Docker;
import dev.phalanx.chaos.report.ChaosReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * firewall: the nftables table the node role loaded, probed with TCP connects. From a container on the same network
 * that is not a node (the backend): the listener (8080) answers, the grid ports (5701, 5702) and the admin port
 * (9901, bound on every address in the test inventory) time out, i.e. are dropped, not refused. From another node:
 * the grid port answers, the admin port times out (loopback only). From the node itself on its own address (via lo):
 * the admin port answers, so the drops above are the firewall's doing, not an unbound port.
 */
@ExtendWith(AnsibleClusterExtension.class)
@Order(2)
class FirewallIT {
    static final int PROBE_SECONDS = 3;

    @Test
    void gridAndAdminPortsOnlyFromWhereTheyMayBeReached(AnsibleCluster c) throws Exception {
        ChaosReport.get().run("firewall", r -> {
            AnsibleTopology t = c.topo();
            String outsider = AnsibleTopology.backendName();
            Map<String, String> seen = new LinkedHashMap<>();
            Map<String, String> expected = new LinkedHashMap<>();
            for (int i : AnsibleTopology.hosts()) {
                String ip = t.hostIp(i);
                expect(c, seen, expected, outsider, "outsider", ip, AnsibleTopology.HTTP_PORT, "connected");
                expect(c, seen, expected, outsider, "outsider", ip, AnsibleTopology.GRID_PORT, "timeout");
                expect(c, seen, expected, outsider, "outsider", ip, AnsibleTopology.GRID_PORT + 1, "timeout");
                expect(c, seen, expected, outsider, "outsider", ip, AnsibleTopology.ADMIN_PORT, "timeout");
            }
            String peer = AnsibleTopology.hostName(2);
            expect(c, seen, expected, peer, "node-2", t.hostIp(1), AnsibleTopology.GRID_PORT, "connected");
            expect(c, seen, expected, peer, "node-2", t.hostIp(1), AnsibleTopology.ADMIN_PORT, "timeout");
            expect(c, seen, expected, AnsibleTopology.hostName(1), "node-1", t.hostIp(1), AnsibleTopology.ADMIN_PORT,
                    "connected");
            // the VIP too: the service answers there, the grid does not
            expect(c, seen, expected, outsider, "outsider", t.vip(1), AnsibleTopology.HTTP_PORT, "connected");
            expect(c, seen, expected, outsider, "outsider", t.vip(1), AnsibleTopology.GRID_PORT, "timeout");
            r.figure("probes", seen);
            r.figure("probe_timeout_s", PROBE_SECONDS);
            String table = c.docker().exec(AnsibleTopology.hostName(1), 20, "nft", "list", "table", "inet", "phalanx")
                    .stdout();
            r.raw("nft_table_node1", table.lines().toList());
            r.note("A probe is a TCP connect (bash /dev/tcp) bounded to " + PROBE_SECONDS + " s: connected, refused"
                    + " (nothing listens, RST) or timeout (the packet was dropped). 5702 is only bound during an"
                    + " in-place upgrade: without the firewall it would be refused, with it the SYN is dropped.");
            List<String> wrong = new ArrayList<>();
            expected.forEach((k, v) -> {
                if (!v.equals(seen.get(k))) {
                    wrong.add(k + ": expected " + v + ", saw " + seen.get(k));
                }
            });
            assertEquals(List.of(), wrong, "probes that did not go as the firewall table says (table:\n" + table + ")");
        });
    }

    private static void expect(AnsibleCluster c, Map<String, String> seen, Map<String, String> expected,
            String container, String from, String ip, int port, String outcome) {
        String key = from + " -> " + ip + ":" + port;
        expected.put(key, outcome);
        seen.put(key, probe(c.docker(), container, ip, port));
    }

    /** connected, refused or timeout: one TCP connect from inside {@code container}. */
    static String probe(Docker docker, String container, String ip, int port) {
        Docker.ExecResult r = docker.exec(container, PROBE_SECONDS + 20, "timeout", String.valueOf(PROBE_SECONDS),
                "bash", "-c", "exec 3<>/dev/tcp/" + ip + "/" + port);
        return switch (r.exitCode()) {
            case 0 -> "connected";
            case 124 -> "timeout";
            case 1 -> r.stderr().toLowerCase(java.util.Locale.ROOT).contains("refused") ? "refused" : "error: " + r.describe();
            default -> "error: " + r.describe();
        };
    }
}
