package dev.phalanx.cluster.model;

import java.util.List;

/**
 * A named group of endpoints and how to balance and check them. {@code hashOn} is set only for
 * {@link LbPolicy#CONSISTENT_HASH}; {@code healthCheck}, {@code outlier} and {@code slowStart} are null when not
 * configured; {@code retryBudget} is null when the pool takes the node's {@code upstream.retryBudgetPercent}.
 */
public record PoolSpec(String id, LbPolicy lb, List<EndpointSpec> endpoints, HashOn hashOn,
                       HealthCheckSpec healthCheck, OutlierSpec outlier, RetryBudgetSpec retryBudget,
                       SlowStartSpec slowStart) {

    /** A pool without a retry budget of its own and without slow start. */
    public PoolSpec(String id, LbPolicy lb, List<EndpointSpec> endpoints, HashOn hashOn,
                    HealthCheckSpec healthCheck, OutlierSpec outlier) {
        this(id, lb, endpoints, hashOn, healthCheck, outlier, null, null);
    }
}
