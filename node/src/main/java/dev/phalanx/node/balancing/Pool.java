package dev.phalanx.node.balancing;

import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.node.upstream.Endpoint;
import java.util.List;

/** A compiled pool: its spec, its endpoints (shared with health and the upstream pools) and its balancer. */
public record Pool(PoolSpec spec, List<Endpoint> endpoints, Balancer balancer) {
    public String id() {
        return spec.id();
    }

    /** @return an available endpoint for this attempt, or null (then the request gets 503) */
    public Endpoint pick(PickContext context) {
        return balancer.pick(context);
    }
}
