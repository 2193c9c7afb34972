package dev.phalanx.cluster.model;

/** Load-balancing algorithms of a pool, with their names as written in config. */
public enum LbPolicy {
    ROUND_ROBIN("round-robin"),
    LEAST_REQUEST("least-request"),
    P2C("p2c"),
    CONSISTENT_HASH("consistent-hash"),
    IP_HASH("ip-hash");

    private final String configName;

    LbPolicy(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** @return the policy of that config name, or null when there is none */
    public static LbPolicy fromConfigName(String name) {
        for (LbPolicy p : values()) {
            if (p.configName.equals(name)) {
                return p;
            }
        }
        return null;
    }
}
