package dev.phalanx.chaos.scenario;

import dev.phalanx.chaos.ansible.AnsibleCluster;
import dev.phalanx.chaos.ansible.AnsibleTopology;
import dev.phalanx.chaos.load.LoadGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the Ansible scenarios share: client load through the three VIPs, VRRP transitions, per-host state. */
final class AnsibleScenarios {
    private AnsibleScenarios() {
    }

    /** The standard load (2 plain keep-alive clients per VIP, ~10 ms pause), bounded to 12 minutes and 400,000 requests. */
    static LoadGenerator vipLoad(AnsibleCluster c, String path) {
        List<LoadGenerator.Target> targets = new ArrayList<>();
        for (int i : AnsibleTopology.hosts()) {
            targets.add(new LoadGenerator.Target(i, c.topo().vip(i), AnsibleTopology.HTTP_PORT));
        }
        return new LoadGenerator(targets, Scenarios.WORKERS_PER_VIP, path, Scenarios.PAUSE, Duration.ofMinutes(12),
                400_000);
    }

    /** Lines in each host's keepalived notify log now (index = host - 1). */
    static List<Integer> vrrpLineCounts(AnsibleCluster c) {
        return AnsibleTopology.hosts().stream().map(i -> c.vrrpLog(i).size()).toList();
    }

    /** The VRRP transitions logged since {@code before} (from {@link #vrrpLineCounts}), per host. */
    static Map<String, List<String>> vrrpTransitionsSince(AnsibleCluster c, List<Integer> before) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (int i : AnsibleTopology.hosts()) {
            List<String> lines = c.vrrpLog(i);
            int from = Math.min(before.get(i - 1), lines.size());
            out.put(AnsibleTopology.hostId(i), lines.subList(from, lines.size()));
        }
        return out;
    }

    static int count(Map<String, List<String>> transitions) {
        return transitions.values().stream().mapToInt(List::size).sum();
    }

    /** sha256 of the live jar on host i. */
    static String jarSha(AnsibleCluster c, int i) {
        return c.docker().execOk(AnsibleTopology.hostName(i), 60, "sha256sum", "/opt/phalanx/phalanx-node.jar")
                .split("\\s+")[0];
    }

    /** The unit's main process (the supervisor) and its start time: a restart changes it. */
    static String mainPid(AnsibleCluster c, int i) {
        return c.docker().execOk(AnsibleTopology.hostName(i), 20, "systemctl", "show", "-p", "MainPID", "-p",
                "ExecMainStartTimestampMonotonic", "phalanx").strip().replace('\n', ' ');
    }

    /** The node processes (java) running on host i: after a hand-over, one. */
    static String nodeProcesses(AnsibleCluster c, int i) {
        return c.docker().exec(AnsibleTopology.hostName(i), 20, "pgrep", "-u", "phalanx", "-f", "phalanx-node.jar run")
                .stdout().strip().replace('\n', ' ');
    }
}
