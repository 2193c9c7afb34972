package dev.phalanx.cluster.model;

import java.util.List;

/**
 * One whole, validated configuration: every route and pool in force, sorted by id. {@code source} is
 * {@code file} or {@code etcd}; {@code revision} is the etcd revision or a counter of file loads;
 * {@code errors} lists the objects that were rejected (their last good versions are what is in force).
 * Two snapshots with equal routes and pools configure the node identically ({@link #sameConfig}).
 */
public record ConfigSnapshot(String source, long revision, List<RouteSpec> routes, List<PoolSpec> pools,
                             List<ConfigError> errors) {

    public boolean sameConfig(ConfigSnapshot other) {
        return other != null && routes.equals(other.routes) && pools.equals(other.pools);
    }
}
