package dev.phalanx.cluster.model;

import java.util.List;

/**
 * A named group of endpoints and how to balance and check them. {@code hashOn} is set only for
 * {@link LbPolicy#CONSISTENT_HASH}; {@code healthCheck} and {@code outlier} are null when not configured.
 */
public record PoolSpec(String id, LbPolicy lb, List<EndpointSpec> endpoints, HashOn hashOn,
                       HealthCheckSpec healthCheck, OutlierSpec outlier) {
}
