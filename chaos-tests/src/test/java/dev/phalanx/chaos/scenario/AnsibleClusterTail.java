package dev.phalanx.chaos.scenario;

import dev.phalanx.chaos.ansible.Playbook;
import java.util.List;

/** The end of a playbook's output, for a failure message. */
final class AnsibleClusterTail {
    private AnsibleClusterTail() {
    }

    static String of(Playbook.Run run) {
        List<String> all = run.output().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
    }
}
