package dev.phalanx.cluster.model;

import java.time.Duration;

/**
 * What one node lets reach each endpoint of a pool (docs/configuration.md#pools): {@code maxConnections} open upstream
 * connections and {@code maxRequests} requests in flight per endpoint, summed over the node's event loops (null =
 * unlimited; an endpoint may override both), and the pool's bounded queue of requests waiting for a slot:
 * at most {@code queueSize} waiters, each for at most {@code queueTimeout}. Caps are per node, not cluster-wide.
 */
public record PoolLimitsSpec(Integer maxConnections, Integer maxRequests, int queueSize, Duration queueTimeout) {

    /** No caps and the default queue: what a pool without {@code limits} gets when only endpoints set caps. */
    public static final PoolLimitsSpec NONE = new PoolLimitsSpec(null, null, PoolLimitsReader.DEFAULT_QUEUE_SIZE,
            PoolLimitsReader.DEFAULT_QUEUE_TIMEOUT);
}
