package dev.phalanx.node.balancing;

import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.node.metrics.PoolGauges;
import dev.phalanx.node.upstream.Endpoint;
import dev.phalanx.node.upstream.PoolAdmission;
import dev.phalanx.node.upstream.RetryBudget;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * A compiled pool: its spec, its endpoints (shared with health and the upstream pools), its balancer and its retry
 * budget (kept across config changes that leave the budget's settings alone).
 */
public record Pool(PoolSpec spec, List<Endpoint> endpoints, Balancer balancer, RetryBudget retryBudget,
                   PoolAdmission admission) {

    /** A pool with a queue of its own that no endpoint uses (tests: endpoints built by hand are unlimited). */
    public Pool(PoolSpec spec, List<Endpoint> endpoints, Balancer balancer, RetryBudget retryBudget) {
        this(spec, endpoints, balancer, retryBudget, new PoolAdmission(spec.id()));
    }

    public String id() {
        return spec.id();
    }

    /**
     * The pool's gauges: open upstream connections, the queue's length (requests beyond the caps, see
     * {@link PoolAdmission}), and per endpoint whether it takes traffic, its connections and requests in flight.
     */
    public PoolGauges gauges() {
        Map<String, BooleanSupplier> up = new LinkedHashMap<>();
        Map<String, IntSupplier> connections = new LinkedHashMap<>();
        Map<String, IntSupplier> inFlight = new LinkedHashMap<>();
        for (Endpoint e : endpoints) {
            up.put(e.address(), e::isAvailable);
            connections.put(e.address(), e::connections);
            inFlight.put(e.address(), e::inFlight);
        }
        return new PoolGauges(id(), () -> endpoints.stream().mapToInt(Endpoint::connections).sum(), up,
                admission::queued, connections, inFlight);
    }

    /** @return an available endpoint for this attempt, or null (then the request gets 503) */
    public Endpoint pick(PickContext context) {
        return balancer.pick(context);
    }
}
