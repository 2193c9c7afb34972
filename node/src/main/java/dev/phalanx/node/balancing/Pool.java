package dev.phalanx.node.balancing;

import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.node.metrics.PoolGauges;
import dev.phalanx.node.upstream.Endpoint;
import dev.phalanx.node.upstream.RetryBudget;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A compiled pool: its spec, its endpoints (shared with health and the upstream pools), its balancer and its retry
 * budget (kept across config changes that leave the budget's settings alone).
 */
public record Pool(PoolSpec spec, List<Endpoint> endpoints, Balancer balancer, RetryBudget retryBudget) {
    public String id() {
        return spec.id();
    }

    /** The pool's gauges: open upstream connections, and whether each endpoint takes traffic. */
    public PoolGauges gauges() {
        Map<String, BooleanSupplier> up = new LinkedHashMap<>();
        for (Endpoint e : endpoints) {
            up.put(e.address(), e::isAvailable);
        }
        return new PoolGauges(id(), () -> endpoints.stream().mapToInt(Endpoint::connections).sum(), up);
    }

    /** @return an available endpoint for this attempt, or null (then the request gets 503) */
    public Endpoint pick(PickContext context) {
        return balancer.pick(context);
    }
}
