package dev.phalanx.chaos.ansible;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Names and fixed addresses of the Ansible-managed cluster, on its own /24 bridge network (apart from the chaos
 * cluster's, so both can exist at once): gateway .1 (the host: the test, the Ansible controller and the client),
 * hosts .21-.23 (each a Phalanx node, keepalived and an etcd member, all installed by site.yml), the backend .31
 * (also the outsider of the firewall scenario), VIPs .101-.103. {@code -Dansible.subnet=10.99.8.0/24} moves it.
 */
public record AnsibleTopology(String subnet, String prefix) {
    public static final int HOSTS = 3;
    public static final int HTTP_PORT = 8080;
    public static final int ADMIN_PORT = 9901;
    public static final int GRID_PORT = 5701;
    public static final int BACKEND_PORT = 8000;
    public static final int ETCD_PORT = 2379;
    public static final String NETWORK = "phalanx-ansible";
    public static final String LABEL = "dev.phalanx.ansible";

    public static AnsibleTopology fromSystemProperties() {
        return of(System.getProperty("ansible.subnet", "172.31.251.0/24"));
    }

    public static AnsibleTopology of(String subnet) {
        if (!subnet.matches("(\\d{1,3}\\.){3}0/24")) {
            throw new IllegalArgumentException("ansible.subnet: \"" + subnet + "\" is not an IPv4 /24 like 172.31.251.0/24");
        }
        return new AnsibleTopology(subnet, subnet.substring(0, subnet.lastIndexOf(".0/24") + 1));
    }

    public String gateway() {
        return prefix + "1";
    }

    public String hostIp(int i) {
        return prefix + (20 + i);
    }

    public String vip(int i) {
        return prefix + (100 + i);
    }

    public String backendIp() {
        return prefix + "31";
    }

    /** The container (and the Ansible inventory's ansible_host) of host i. */
    public static String hostName(int i) {
        return "phalanx-ansible-node-" + i;
    }

    /** The inventory name of host i, which is also its Phalanx node id. */
    public static String hostId(int i) {
        return "node-" + i;
    }

    public static String backendName() {
        return "phalanx-ansible-backend";
    }

    public static List<Integer> hosts() {
        return IntStream.rangeClosed(1, HOSTS).boxed().toList();
    }

    public List<String> vips() {
        return hosts().stream().map(this::vip).toList();
    }
}
