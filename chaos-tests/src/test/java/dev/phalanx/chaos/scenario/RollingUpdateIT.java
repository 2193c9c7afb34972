package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.chaos.ansible.AnsibleCluster;
import dev.phalanx.chaos.ansible.AnsibleClusterExtension;
import dev.phalanx.chaos.ansible.AnsibleTopology;
import dev.phalanx.chaos.ansible.Jars;
import dev.phalanx.chaos.ansible.Playbook;
import dev.phalanx.chaos.load.Clock;
import dev.phalanx.chaos.load.LoadGenerator;
import dev.phalanx.chaos.load.Sample;
import dev.phalanx.chaos.report.ChaosReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * rolling-update: under continuous client load through the three VIPs, rolling-update.yml upgrades the three nodes
 * one at a time, in place (systemctl reload: a new process takes over the listening sockets), to a new build of the
 * same code (the jar repackaged with another Phalanx-Build). Asserted: the play succeeds, every node's running
 * process reports the new build, no request failed, no VRRP transition (keepalived's notify log) and every VIP still
 * on its own node. Reported: requests, failed, vip_moves, roll_ms, p50/p99.
 */
@ExtendWith(AnsibleClusterExtension.class)
@Order(3)
class RollingUpdateIT {
    @Test
    void upgradesEveryNodeInPlaceUnderLoad(AnsibleCluster c) throws Exception {
        ChaosReport.get().run("rolling-update", r -> {
            c.awaitSteady(Duration.ofSeconds(120));
            String oldBuild = Jars.build(c.currentJar());
            String newBuild = "rolling-update-" + System.currentTimeMillis();
            var newJar = Jars.withBuild(c.currentJar(), newBuild, c.workDir().resolve("jars/" + newBuild + ".jar"));
            List<String> before = AnsibleTopology.hosts().stream().map(c::runningBuild).toList();
            List<Integer> vrrpBefore = AnsibleScenarios.vrrpLineCounts(c);
            r.figure("build_before", before);
            LoadGenerator load = AnsibleScenarios.vipLoad(c, "/rolling").start();
            Scenarios.sleep(3000);
            long t0 = Clock.millis();
            r.event(t0, "ansible-playbook rolling-update.yml (build " + newBuild + ")");
            Playbook.Run run = c.rollingUpdate(newJar, "rolling-update.log");
            r.event(Clock.millis(), "rolling-update.yml ended: exit " + run.exitCode());
            Scenarios.sleep(3000);
            List<Sample> samples = load.stop();
            List<String> after = AnsibleTopology.hosts().stream().map(c::runningBuild).toList();
            Map<String, List<String>> transitions = AnsibleScenarios.vrrpTransitionsSince(c, vrrpBefore);
            List<Set<String>> holders = c.holders();
            r.figure("roll_ms", run.durationMs());
            Scenarios.loadFigures(r, samples, Scenarios::ok);
            r.figure("vip_moves", AnsibleScenarios.count(transitions));
            r.figure("build_after", after);
            r.figure("recap", run.recap().hosts());
            r.figure("node_processes_after", AnsibleTopology.hosts().stream().map(i -> AnsibleScenarios.nodeProcesses(c, i)).toList());
            r.raw("vrrp_transitions", transitions);
            r.raw("holders_after", holders.subList(1, holders.size()).stream().map(List::copyOf).toList());
            r.samples("samples", samples);
            r.goal("failed", "== 0", r.figureValue("failed").equals(0));
            r.note("Same code, another build id: what is measured is the in-place upgrade by the unit's reload, driven"
                    + " by rolling-update.yml over the docker connection, node by node. Log: " + run.log() + ".");
            assertTrue(run.ok(), run.describe() + "\n" + AnsibleClusterTail.of(run));
            assertNotEquals(oldBuild, newBuild);
            assertEquals(List.of(newBuild, newBuild, newBuild), after, "not every node runs the new build");
            List<Sample> failed = samples.stream().filter(s -> !Scenarios.ok(s)).toList();
            assertEquals(0, failed.size(), "requests failed during the rolling update: "
                    + Scenarios.describe(failed, r.startedAtMillis() * 1000, 15));
            assertEquals(0, AnsibleScenarios.count(transitions), "VRRP transitions during the roll: " + transitions);
            for (int i : AnsibleTopology.hosts()) {
                assertEquals(Set.of(c.topo().vip(i)), holders.get(i), "VIPs on node-" + i + " after the roll");
            }
        });
    }
}
