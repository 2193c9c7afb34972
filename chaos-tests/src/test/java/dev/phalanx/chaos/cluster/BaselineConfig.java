package dev.phalanx.chaos.cluster;

import java.util.stream.Collectors;

/** The routes and pools every scenario starts from (written to etcd at start and by every reset). */
public final class BaselineConfig {
    public static final String PREFIX = "/phalanx";
    public static final String POOL = "chaos";
    /** The rate-limited route: this many requests per window for the whole cluster (key: route). */
    public static final int LIMIT = 60;
    public static final int WINDOW_SECONDS = 2;

    private BaselineConfig() {
    }

    public static String pool(Topology topo) {
        String endpoints = java.util.stream.IntStream.rangeClosed(1, Topology.BACKENDS)
                .mapToObj(i -> "\"" + topo.backendIp(i) + ":" + Topology.BACKEND_PORT + "\"")
                .collect(Collectors.joining(","));
        return "{\"id\":\"" + POOL + "\",\"lb\":\"round-robin\",\"endpoints\":[" + endpoints + "],"
                + "\"healthCheck\":{\"path\":\"/healthz\",\"interval\":\"500ms\",\"timeout\":\"300ms\",\"rise\":2,\"fall\":2},"
                + "\"outlier\":{\"consecutiveFailures\":3,\"ejection\":\"30s\",\"maxEjectedPercent\":50}}";
    }

    public static String mainRoute() {
        return "{\"id\":\"chaos\",\"match\":{\"pathPrefix\":\"/\"},\"pool\":\"" + POOL + "\","
                + "\"timeouts\":{\"connect\":\"300ms\",\"response\":\"5s\"},"
                + "\"retries\":{\"attempts\":2,\"on\":[\"connect-failure\",\"reset\",\"502\",\"503\"]}}";
    }

    public static String limitedRoute() {
        return "{\"id\":\"limited\",\"match\":{\"pathPrefix\":\"/limited/\"},\"pool\":\"" + POOL + "\","
                + "\"rateLimit\":{\"key\":\"route\",\"limit\":" + LIMIT + ",\"window\":\"" + WINDOW_SECONDS + "s\"}}";
    }

    /** A route that only exists for propagation checks: path /prop/ID/ answers 200 once the node has it. */
    public static String probeRoute(String id) {
        return "{\"id\":\"" + id + "\",\"match\":{\"pathPrefix\":\"/prop/" + id + "/\"},\"pool\":\"" + POOL + "\"}";
    }

    /**
     * Writes what differs from the baseline (pool first) and removes probe routes. Returns the revision every node
     * must have applied: that of the last change made here, or of the newest baseline key when nothing changed
     * (an unchanged put would not move a node's applied revision, which only follows real changes).
     */
    public static long write(EtcdHttp etcd, Topology topo) {
        long rev = 0;
        if (etcd.count(PREFIX + "/routes/prop-") > 0) {
            rev = etcd.deletePrefix(PREFIX + "/routes/prop-");
        }
        rev = Math.max(rev, ensure(etcd, PREFIX + "/pools/" + POOL, pool(topo)));
        rev = Math.max(rev, ensure(etcd, PREFIX + "/routes/limited", limitedRoute()));
        return Math.max(rev, ensure(etcd, PREFIX + "/routes/chaos", mainRoute()));
    }

    private static long ensure(EtcdHttp etcd, String key, String value) {
        var current = etcd.get(key);
        if (current.isPresent() && current.get().getKey().equals(value)) {
            return current.get().getValue();
        }
        return etcd.put(key, value);
    }
}
