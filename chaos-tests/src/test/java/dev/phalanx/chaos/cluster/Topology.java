package dev.phalanx.chaos.cluster;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Names and fixed addresses of the containerised cluster on one /24 bridge network:
 * gateway .1 (the host, the test's client), etcd .11-.13, nodes .21-.23, backends .31-.33, VIPs .101-.103.
 * Node i is the VRRP owner (highest priority) of VIP i. {@code -Dchaos.subnet=10.99.7.0/24} moves everything.
 */
public record Topology(String subnet, String prefix, String network) {
    public static final int NODES = 3;
    public static final int ETCD = 3;
    public static final int BACKENDS = 3;
    public static final int HTTP_PORT = 8080;
    public static final int HTTPS_PORT = 8443;
    public static final int ADMIN_PORT = 9901;
    public static final int GRID_PORT = 5701;
    public static final int BACKEND_PORT = 8000;
    public static final int ETCD_CLIENT_PORT = 2379;
    public static final int ETCD_PEER_PORT = 2380;
    public static final int VRID_BASE = 51;
    public static final String LABEL = "dev.phalanx.chaos";

    public static Topology fromSystemProperties() {
        return of(System.getProperty("chaos.subnet", "172.31.250.0/24"));
    }

    public static Topology of(String subnet) {
        if (!subnet.matches("(\\d{1,3}\\.){3}0/24")) {
            throw new IllegalArgumentException("chaos.subnet: \"" + subnet + "\" is not an IPv4 /24 like 172.31.250.0/24");
        }
        for (String octet : subnet.substring(0, subnet.indexOf('/')).split("\\.")) {
            if (Integer.parseInt(octet) > 255) {
                throw new IllegalArgumentException("chaos.subnet: \"" + subnet + "\" has an octet above 255");
            }
        }
        return new Topology(subnet, subnet.substring(0, subnet.lastIndexOf(".0/24") + 1), "phalanx-chaos");
    }

    public String gateway() {
        return prefix + "1";
    }

    public String etcdIp(int i) {
        return prefix + (10 + i);
    }

    public String nodeIp(int i) {
        return prefix + (20 + i);
    }

    public String backendIp(int i) {
        return prefix + (30 + i);
    }

    public String vip(int i) {
        return prefix + (100 + i);
    }

    public String etcdName(int i) {
        return "phalanx-chaos-etcd-" + i;
    }

    public String nodeName(int i) {
        return "phalanx-chaos-node-" + i;
    }

    public String backendName(int i) {
        return "phalanx-chaos-backend-" + i;
    }

    public static String nodeId(int i) {
        return "node-" + i;
    }

    public static String instance(int i) {
        return "VI_" + i;
    }

    public static List<Integer> nodes() {
        return IntStream.rangeClosed(1, NODES).boxed().toList();
    }

    public List<String> etcdEndpoints() {
        return IntStream.rangeClosed(1, ETCD).mapToObj(i -> "http://" + etcdIp(i) + ":" + ETCD_CLIENT_PORT).toList();
    }

    public List<String> nodeIps() {
        return nodes().stream().map(this::nodeIp).toList();
    }

    public List<String> vips() {
        return nodes().stream().map(this::vip).toList();
    }

    /** The node index (1-based) whose address this is, or 0. */
    public int nodeIndexOf(String ip) {
        for (int i = 1; i <= NODES; i++) {
            if (nodeIp(i).equals(ip)) {
                return i;
            }
        }
        return 0;
    }
}
