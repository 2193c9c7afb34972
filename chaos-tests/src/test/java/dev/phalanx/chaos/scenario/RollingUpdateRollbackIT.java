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
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * rolling-update-rollback: rolling-update.yml with a broken build (it passes validate, but its native epoll library
 * is missing, so the new process refuses to start). On node-1 the reload fails, the play puts the previous jar back,
 * hands over to it and stops with an error. Asserted: the play failed; node-1 runs the build it ran before with the
 * previous jar in place; node-2 and node-3 were not touched (same jar, same main process, same build); no request
 * through the VIPs failed. Reported: vip_moves (goal 0), rollback_ms.
 */
@ExtendWith(AnsibleClusterExtension.class)
@AnsibleClusterExtension.Last
@Order(4)
class RollingUpdateRollbackIT {
    @Test
    void brokenBuildIsRolledBackAndThePlayStops(AnsibleCluster c) throws Exception {
        ChaosReport.get().run("rolling-update-rollback", r -> {
            c.awaitSteady(Duration.ofSeconds(120));
            String brokenBuild = "broken-" + System.currentTimeMillis();
            var broken = Jars.brokenBuild(c.currentJar(), brokenBuild, c.workDir().resolve("jars/" + brokenBuild + ".jar"));
            List<String> buildsBefore = AnsibleTopology.hosts().stream().map(c::runningBuild).toList();
            List<String> jarsBefore = AnsibleTopology.hosts().stream().map(i -> AnsibleScenarios.jarSha(c, i)).toList();
            List<String> pidsBefore = AnsibleTopology.hosts().stream().map(i -> AnsibleScenarios.mainPid(c, i)).toList();
            List<Integer> vrrpBefore = AnsibleScenarios.vrrpLineCounts(c);
            LoadGenerator load = AnsibleScenarios.vipLoad(c, "/rollback").start();
            Scenarios.sleep(3000);
            r.event(Clock.millis(), "ansible-playbook rolling-update.yml with a broken build (" + brokenBuild + ")");
            Playbook.Run run = c.rollingUpdate(broken, "rolling-update-broken.log");
            r.event(Clock.millis(), "rolling-update.yml ended: exit " + run.exitCode());
            Scenarios.sleep(3000);
            List<Sample> samples = load.stop();
            List<String> buildsAfter = AnsibleTopology.hosts().stream().map(c::runningBuild).toList();
            List<String> jarsAfter = AnsibleTopology.hosts().stream().map(i -> AnsibleScenarios.jarSha(c, i)).toList();
            List<String> pidsAfter = AnsibleTopology.hosts().stream().map(i -> AnsibleScenarios.mainPid(c, i)).toList();
            Map<String, List<String>> transitions = AnsibleScenarios.vrrpTransitionsSince(c, vrrpBefore);
            String journal = c.docker().exec(AnsibleTopology.hostName(1), 30, "journalctl", "--no-pager", "-u",
                    "phalanx", "-n", "300").stdout();
            List<String> handovers = journal.lines().filter(l -> l.contains("handover")).toList();
            r.figure("rollback_ms", run.durationMs());
            r.figure("play_exit", run.exitCode());
            r.figure("recap", run.recap().hosts());
            Scenarios.loadFigures(r, samples, Scenarios::ok);
            r.figure("vip_moves", AnsibleScenarios.count(transitions));
            r.figure("builds_before", buildsBefore);
            r.figure("builds_after", buildsAfter);
            r.raw("node1_handover_lines", handovers);
            r.raw("vrrp_transitions", transitions);
            r.samples("samples", samples);
            r.goal("vip_moves", "== 0", AnsibleScenarios.count(transitions) == 0);
            r.note("The broken jar is the built one without libnetty_transport_native_epoll: validate passes, run exits 2"
                    + " (reusePort needs epoll). Log: " + run.log() + ".");
            assertNotEquals(0, run.exitCode(), "the play should have stopped with an error");
            assertTrue(run.output().contains("rolled back to the previous one"), "no rollback message:\n"
                    + AnsibleClusterTail.of(run));
            assertEquals(buildsBefore, buildsAfter, "builds changed");
            assertEquals(jarsBefore, jarsAfter, "a live jar differs after the rollback");
            assertEquals(pidsBefore.subList(1, 3), pidsAfter.subList(1, 3), "node-2 or node-3 was restarted");
            assertEquals(0, run.recap().count(AnsibleTopology.hostId(2), "changed")
                    + run.recap().count(AnsibleTopology.hostId(3), "changed"), "node-2 or node-3 was changed: "
                    + run.recap().hosts());
            List<Sample> failed = samples.stream().filter(s -> !Scenarios.ok(s)).toList();
            assertEquals(0, failed.size(), "requests failed during the rollback: "
                    + Scenarios.describe(failed, r.startedAtMillis() * 1000, 15));
        });
    }
}
