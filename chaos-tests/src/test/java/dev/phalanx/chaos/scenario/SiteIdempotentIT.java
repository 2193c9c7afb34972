package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.chaos.ansible.AnsibleCluster;
import dev.phalanx.chaos.ansible.AnsibleClusterExtension;
import dev.phalanx.chaos.ansible.AnsibleTopology;
import dev.phalanx.chaos.ansible.Playbook;
import dev.phalanx.chaos.report.ChaosReport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * site-idempotent: site.yml on three fresh systemd hosts (the fixture's first run) installs and starts etcd, the
 * nodes and keepalived, and the cluster serves through the three VIPs; a second run with the same inputs reports
 * changed=0 and failed=0 on every host, and the nodes keep running the process they had (no handler fired).
 */
@ExtendWith(AnsibleClusterExtension.class)
@Order(1)
class SiteIdempotentIT {
    @Test
    void secondRunChangesNothing(AnsibleCluster c) throws Exception {
        ChaosReport.get().run("site-idempotent", r -> {
            Playbook.Run first = c.firstSiteRun();
            r.figure("first_run_ms", first.durationMs());
            r.figure("first_run_changed", first.recap().total("changed"));
            r.figure("first_run_recap", first.recap().hosts());
            c.awaitSteady(Duration.ofSeconds(120));
            List<String> startedBefore = AnsibleTopology.hosts().stream().map(i -> AnsibleScenarios.mainPid(c, i)).toList();
            Playbook.Run second = c.site("site-2.log");
            r.figure("second_run_ms", second.durationMs());
            r.figure("second_run_changed", second.recap().total("changed"));
            r.figure("second_run_failed", second.recap().total("failed"));
            r.figure("second_run_recap", second.recap().hosts());
            List<String> startedAfter = AnsibleTopology.hosts().stream().map(i -> AnsibleScenarios.mainPid(c, i)).toList();
            r.figure("phalanx_main_pids", List.of(startedBefore, startedAfter));
            r.note("The hosts are containers with systemd as PID 1 and the roles' packages preinstalled (apt is skipped"
                    + " when dpkg-query finds them); etcd runs on the three node hosts. Logs: " + first.log() + ", "
                    + second.log() + ".");
            assertTrue(first.ok(), first.describe());
            assertTrue(second.ok(), second.describe() + "\n" + second.output());
            assertEquals(3, second.recap().hosts().size(), "the recap names every host: " + second.recap().hosts());
            assertEquals(0, second.recap().total("changed"), "the second site.yml run changed something: "
                    + second.recap().hosts() + "; changed tasks:\n" + changedTasks(second.output()));
            assertEquals(startedBefore, startedAfter, "phalanx.service was restarted or reloaded by the second run");
            c.awaitSteady(Duration.ofSeconds(120));
        });
    }

    static String changedTasks(String output) {
        StringBuilder sb = new StringBuilder();
        String task = "";
        for (String line : output.split("\\R")) {
            if (line.startsWith("TASK [") || line.startsWith("RUNNING HANDLER [")) {
                task = line;
            } else if (line.startsWith("changed:")) {
                sb.append(task).append(" -> ").append(line).append('\n');
            }
        }
        return sb.toString();
    }
}
