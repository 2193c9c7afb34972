package dev.phalanx.chaos.ansible;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PlayRecapTest {
    private static final String OUTPUT = """
            TASK [phalanx_node : Install the jar] ******************************************
            changed: [node-1]

            PLAY RECAP *********************************************************************
            node-1                     : ok=14   changed=7    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0
            node-2                     : ok=14   changed=0    unreachable=0    failed=1    skipped=2    rescued=1    ignored=0

            check.sh: ok
            """;

    @Test
    void readsEveryHostsCounters() {
        PlayRecap r = PlayRecap.parse(OUTPUT);
        assertEquals(2, r.hosts().size());
        assertEquals(7, r.count("node-1", "changed"));
        assertEquals(1, r.count("node-2", "failed"));
        assertEquals(1, r.count("node-2", "rescued"));
        assertEquals(7, r.total("changed"));
        assertEquals(28, r.total("ok"));
    }

    @Test
    void theLastRecapCounts() {
        String two = "PLAY RECAP ***\nnode-1 : ok=3 changed=3 unreachable=0 failed=0\n\n" + OUTPUT;
        assertEquals(7, PlayRecap.parse(two).count("node-1", "changed"));
    }

    @Test
    void noRecapNoHosts() {
        assertTrue(PlayRecap.parse("ERROR! the playbook could not be found").hosts().isEmpty());
        assertEquals(0, PlayRecap.parse("").total("failed"));
    }
}
