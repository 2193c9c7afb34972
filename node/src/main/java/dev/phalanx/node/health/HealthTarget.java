package dev.phalanx.node.health;

import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.node.upstream.Endpoint;
import java.util.List;
import java.util.Objects;

/**
 * One pool as health checking sees it: its spec (health check and outlier settings) and the compiled endpoints
 * whose availability the checker and the outlier detector set.
 */
public record HealthTarget(PoolSpec spec, List<Endpoint> endpoints) {
    public HealthTarget {
        Objects.requireNonNull(spec, "spec");
        endpoints = List.copyOf(endpoints);
    }
}
