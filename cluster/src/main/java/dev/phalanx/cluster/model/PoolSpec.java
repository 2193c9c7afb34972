package dev.phalanx.cluster.model;

import java.util.List;

/**
 * A named group of endpoints and how to balance and check them. {@code hashOn} is set only for
 * {@link LbPolicy#CONSISTENT_HASH}; {@code healthCheck}, {@code outlier}, {@code slowStart} and {@code limits} are
 * null when not configured; {@code retryBudget} is null when the pool takes the node's
 * {@code upstream.retryBudgetPercent}.
 */
public record PoolSpec(String id, LbPolicy lb, List<EndpointSpec> endpoints, HashOn hashOn,
                       HealthCheckSpec healthCheck, OutlierSpec outlier, RetryBudgetSpec retryBudget,
                       SlowStartSpec slowStart, PoolLimitsSpec limits) {

    /** A pool without a retry budget of its own, without slow start and without limits. */
    public PoolSpec(String id, LbPolicy lb, List<EndpointSpec> endpoints, HashOn hashOn,
                    HealthCheckSpec healthCheck, OutlierSpec outlier) {
        this(id, lb, endpoints, hashOn, healthCheck, outlier, null, null, null);
    }

    /** Whether any endpoint of this pool has a connection or request cap (then requests may queue). */
    public boolean admissionLimited() {
        return endpoints.stream().anyMatch(e -> e.maxConnections(limits) != null || e.maxRequests(limits) != null);
    }

    /** The queue settings in force: {@code limits}' or the defaults. */
    public PoolLimitsSpec limitsOrDefaults() {
        return limits == null ? PoolLimitsSpec.NONE : limits;
    }
}
