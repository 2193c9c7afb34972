package dev.phalanx.chaos.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VipEventsTest {
    @Test
    void parsesIpMonitorLinesForVipsOnly() {
        String log = "--- start 2026-12-06T02:37:00.000000\n"
                + "[2026-12-06T02:37:00.500000] 1: lo    inet 172.31.250.101/32 scope global lo\n"
                + "[2026-12-06T02:37:01.992763] 9: eth0    inet 172.31.250.101/32 scope global eth0\n"
                + "       valid_lft forever preferred_lft forever\n"
                + "[2026-12-06T02:37:02.000001] Deleted 9: eth0    inet 172.31.250.101/32 scope global eth0\n"
                + "[2026-12-06T02:37:03.000000] 9: eth0    inet 172.31.250.21/24 brd 172.31.250.255 scope global eth0\n";
        List<VipEvents.Event> e = VipEvents.parse(log, 2, Set.of("172.31.250.101"), 0);
        assertEquals(2, e.size());
        assertEquals(new VipEvents.Event(1796524621992763L, 2, "172.31.250.101", true), e.get(0));
        assertEquals(false, e.get(1).added());
        assertEquals(1, VipEvents.parse(log, 2, Set.of("172.31.250.101"), 1796524622000000L).size());
    }
}
