package dev.phalanx.chaos.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeepalivedConfigTest {
    static final Path TEMPLATES = Path.of(System.getProperty("chaos.projectDir", "..")).resolve("keepalived/templates");
    static final List<String> NODES = List.of("10.0.0.11", "10.0.0.12", "10.0.0.13");
    static final List<String> VIPS = List.of("10.0.0.101", "10.0.0.102", "10.0.0.103");

    @Test
    void prioritiesRotateSoEachNodeOwnsOneVip() {
        int[][] want = {{200, 40, 120}, {120, 200, 40}, {40, 120, 200}};
        for (int node = 1; node <= 3; node++) {
            for (int vip = 1; vip <= 3; vip++) {
                assertEquals(want[node - 1][vip - 1], KeepalivedConfig.priority(node, vip, 3), "node " + node + " vip " + vip);
            }
        }
    }

    @Test
    void rendersOneInstancePerVipWithUnicastPeersAndTheNodeInterface() {
        String conf = new KeepalivedConfig(TEMPLATES, KeepalivedConfig.Settings.forTests()).render(2, NODES, VIPS);
        assertFalse(conf.contains("{{"), conf);
        assertTrue(conf.contains("router_id node-2"), conf);
        assertTrue(conf.contains("vrrp_version 3"));
        assertTrue(conf.contains("vrrp_garp_master_refresh 5"));
        assertTrue(conf.contains("vrrp_higher_prio_send_advert true"));
        assertTrue(conf.contains("enable_script_security"));
        assertTrue(conf.contains("script_user keepalived_script"));
        for (int k = 1; k <= 3; k++) {
            String block = conf.substring(conf.indexOf("vrrp_instance VI_" + k + " {"));
            block = block.substring(0, block.indexOf("\n}\n") + 2);
            assertTrue(block.contains("virtual_router_id " + (50 + k)), block);
            assertTrue(block.contains("priority " + KeepalivedConfig.priority(2, k, 3)), block);
            assertTrue(block.contains("state BACKUP"), block);
            assertTrue(block.contains("advert_int 0.2"), block);
            assertTrue(block.contains("unicast_src_ip 10.0.0.12"), block);
            assertTrue(block.contains("10.0.0.11") && block.contains("10.0.0.13"), block);
            assertTrue(block.contains(VIPS.get(k - 1) + "/32 dev eth0"), block);
            assertTrue(block.contains("--vips " + VIPS.get(k - 1)), block);
            assertTrue(block.contains("phalanx_healthz"), block);
        }
        assertEquals(3, conf.split("vrrp_instance VI_").length - 1);
    }

    @Test
    void multicastLeavesOutThePeers() {
        KeepalivedConfig.Settings s = KeepalivedConfig.Settings.forTests();
        KeepalivedConfig.Settings multicast = new KeepalivedConfig.Settings(s.iface(), s.advertInt(), s.checkInterval(),
                s.checkTimeout(), s.checkCurlTimeout(), s.checkRise(), s.checkFall(), s.garpRefresh(), s.preemptDelay(),
                s.scriptsDir(), s.adminUrl(), s.scriptUser(), s.notifyLog(), false, s.vridBase());
        String conf = new KeepalivedConfig(TEMPLATES, multicast).render(1, NODES, VIPS);
        assertFalse(conf.contains("unicast_peer"), conf);
    }

    @Test
    void templatesUseOnlyKnownPlaceholdersAndNoJinjaBlocks() throws Exception {
        String main = java.nio.file.Files.readString(TEMPLATES.resolve(KeepalivedConfig.MAIN_TEMPLATE));
        assertFalse(main.contains("{%") || main.contains("{#"));
        assertTrue(Templates.placeholders(main).contains("VRRP_INSTANCES"));
    }

    @Test
    void aMissingValueOrAJinjaBlockIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Templates.render("t", "a {{ ONE }} {{TWO}}", Map.of("ONE", "1")));
        assertEquals("template t: no value for [TWO]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Templates.render("t", "{% if x %}", Map.of()));
        assertTrue(e.getMessage().contains("{%"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Templates.render("t", "{{ lower }}", Map.of()));
        assertTrue(e.getMessage().contains("malformed placeholder"), e.getMessage());
        assertEquals("x 1 y", Templates.render("t", "x {{ONE}} y", Map.of("ONE", "1")));
    }

    @Test
    void subnetMustBeAnIpv4Slash24() {
        assertEquals("10.99.7.", Topology.of("10.99.7.0/24").prefix());
        assertEquals("10.99.7.101", Topology.of("10.99.7.0/24").vip(1));
        assertThrows(IllegalArgumentException.class, () -> Topology.of("10.99.7.0/16"));
        assertThrows(IllegalArgumentException.class, () -> Topology.of("300.1.1.0/24"));
    }
}
