package dev.phalanx.cluster.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import dev.phalanx.cluster.model.HostPort;
import dev.phalanx.cluster.model.NodeConfig.GridConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code grid.portCount}: the member may take the next port, and every member is looked for at all its ports. */
class GridConfigsPortsTest {
    private static final List<HostPort> MEMBERS = List.of(new HostPort("10.0.0.11", 5701),
            new HostPort("10.0.0.12", 5701), new HostPort("10.0.0.13", 5701));

    @Test
    void twoPortsLetAnUpgradedProcessJoinNextToTheOldOne() {
        GridConfig grid = new GridConfig("phalanx", new HostPort("0.0.0.0", 5701), MEMBERS, Path.of("k"), "off", 2);
        Config c = GridConfigs.configure(grid, "node-1");
        assertTrue(c.getNetworkConfig().isPortAutoIncrement());
        assertEquals(2, c.getNetworkConfig().getPortCount());
        assertEquals(List.of("10.0.0.11:5701", "10.0.0.11:5702", "10.0.0.12:5701", "10.0.0.12:5702",
                "10.0.0.13:5701", "10.0.0.13:5702"), c.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
        assertEquals(3, GridConfigs.expectedMembers(grid), "the spare ports are no extra members");
    }

    @Test
    void onePortByDefault() {
        GridConfig grid = new GridConfig("phalanx", new HostPort("0.0.0.0", 5701), MEMBERS, Path.of("k"));
        Config c = GridConfigs.configure(grid, "node-1");
        assertFalse(c.getNetworkConfig().isPortAutoIncrement());
        assertEquals(List.of("10.0.0.11:5701", "10.0.0.12:5701", "10.0.0.13:5701"),
                c.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
    }
}
