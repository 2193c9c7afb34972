package dev.phalanx.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders keepalived/templates for one node of an active-active cluster: one VRRP instance per node, node i the
 * owner of VIP i (priority 200) and a backup of every other VIP with priorities rotated down in equal steps from 200 to 40
 * (VI_1: node-1 200, node-2 190, node-3 180; VI_2: node-2 200, node-3 190, node-1 180 ...).
 */
public final class KeepalivedConfig {
    public static final String MAIN_TEMPLATE = "keepalived.conf.tmpl";
    public static final String INSTANCE_TEMPLATE = "vrrp_instance.conf.tmpl";

    /** Tunables; {@link #forTests()} are the chaos suite's values. */
    public record Settings(String iface, String advertInt, int checkInterval, int checkTimeout, String checkCurlTimeout,
            int checkRise, int checkFall, int garpRefresh, int preemptDelay, String scriptsDir, String adminUrl,
            String scriptUser, String notifyLog, boolean unicast, int vridBase) {
        public static Settings forTests() {
            return new Settings("eth0", "0.2", 1, 1, "0.8", 2, 2, 5, 0, "/etc/keepalived/phalanx",
                    "http://127.0.0.1:9901", "keepalived_script", "/var/log/keepalived/phalanx-vrrp.log", true,
                    Topology.VRID_BASE);
        }
    }

    private final Path templatesDir;
    private final Settings settings;

    public KeepalivedConfig(Path templatesDir, Settings settings) {
        this.templatesDir = templatesDir;
        this.settings = settings;
    }

    /** Priority of node {@code self} (1-based) in the instance of VIP {@code instance}, for {@code n} nodes. */
    public static int priority(int self, int instance, int n) {
        if (n < 1 || n > 161) {
            throw new IllegalArgumentException("1 to 161 nodes fit the priorities 200 ... 40 (got " + n + ")");
        }
        // spread over 200..40: a backup's master-down timer waits (256 - priority) / 256 advert intervals more, so
        // the first successor takes a released VIP well before the second (with steps of 10 they raced: 8 ms apart)
        return n == 1 ? 200 : 200 - (160 / (n - 1)) * Math.floorMod(self - instance, n);
    }

    /** keepalived.conf for node {@code self} (1-based), given every node's address and every VIP (VIP i on node i). */
    public String render(int self, List<String> nodeIps, List<String> vips) {
        if (nodeIps.size() != vips.size()) {
            throw new IllegalArgumentException("one VIP per node: " + nodeIps.size() + " nodes, " + vips.size() + " VIPs");
        }
        String instanceTemplate = read(INSTANCE_TEMPLATE);
        StringBuilder instances = new StringBuilder();
        for (int k = 1; k <= vips.size(); k++) {
            Map<String, String> v = common(self);
            v.put("INSTANCE", Topology.instance(k));
            v.put("VRID", String.valueOf(settings.vridBase() + k - 1));
            v.put("PRIORITY", String.valueOf(priority(self, k, nodeIps.size())));
            v.put("VIP", vips.get(k - 1));
            v.put("VIP_CIDR", vips.get(k - 1) + "/32");
            v.put("PEERS", peers(self, nodeIps));
            instances.append(Templates.render(INSTANCE_TEMPLATE, instanceTemplate, v)).append('\n');
        }
        Map<String, String> v = common(self);
        v.put("VRRP_INSTANCES", instances.toString().stripTrailing());
        return Templates.render(MAIN_TEMPLATE, read(MAIN_TEMPLATE), v);
    }

    private Map<String, String> common(int self) {
        Map<String, String> v = new HashMap<>();
        v.put("NODE_ID", Topology.nodeId(self));
        v.put("INTERFACE", settings.iface());
        v.put("ADVERT_INT", settings.advertInt());
        v.put("CHECK_INTERVAL", String.valueOf(settings.checkInterval()));
        v.put("CHECK_TIMEOUT", String.valueOf(settings.checkTimeout()));
        v.put("CHECK_CURL_TIMEOUT", settings.checkCurlTimeout());
        v.put("CHECK_RISE", String.valueOf(settings.checkRise()));
        v.put("CHECK_FALL", String.valueOf(settings.checkFall()));
        v.put("GARP_REFRESH", String.valueOf(settings.garpRefresh()));
        v.put("PREEMPT_DELAY", String.valueOf(settings.preemptDelay()));
        v.put("SCRIPTS_DIR", settings.scriptsDir());
        v.put("ADMIN_URL", settings.adminUrl());
        v.put("SCRIPT_USER", settings.scriptUser());
        v.put("NOTIFY_LOG", settings.notifyLog());
        return v;
    }

    /** The unicast block (own address + every other node), or nothing for multicast. */
    private String peers(int self, List<String> nodeIps) {
        if (!settings.unicast()) {
            return "    # multicast adverts (224.0.0.18): no unicast peers";
        }
        StringBuilder sb = new StringBuilder("    unicast_src_ip ").append(nodeIps.get(self - 1)).append("\n    unicast_peer {\n");
        for (int i = 1; i <= nodeIps.size(); i++) {
            if (i != self) {
                sb.append("        ").append(nodeIps.get(i - 1)).append('\n');
            }
        }
        return sb.append("    }").toString();
    }

    private String read(String name) {
        try {
            return Files.readString(templatesDir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read keepalived template " + templatesDir.resolve(name), e);
        }
    }
}
