package dev.phalanx.node.balancing;

import dev.phalanx.cluster.model.HashOn;
import dev.phalanx.cluster.model.LbPolicy;
import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.node.upstream.Endpoint;
import java.util.List;

/**
 * Builds the balancer of a pool for one config snapshot. Call it off the event loop (building a consistent-hash
 * ring hashes 160 points per endpoint) and build the balancer before publishing the new endpoint set.
 */
public final class Balancers {
    /** Picks nothing: the pool has no endpoints, so every request to it gets 503. */
    private static final Balancer NONE = context -> null;

    private Balancers() {
    }

    /**
     * @param spec the pool; {@code lb} null means round robin, {@code hashOn} null (consistent hash) means client-ip;
     *     {@code slowStart} wraps the weighted policies in a {@link SlowStartBalancer} (the hashing ones ignore it:
     *     validation refuses it there)
     * @param endpoints the pool's endpoints in configured order (copied; the list is not kept)
     */
    public static Balancer create(PoolSpec spec, List<Endpoint> endpoints) {
        Endpoint[] array = endpoints.toArray(new Endpoint[0]);
        if (array.length == 0) {
            return NONE;
        }
        LbPolicy lb = spec.lb() != null ? spec.lb() : LbPolicy.ROUND_ROBIN;
        Balancer balancer = policy(spec, lb, array);
        boolean weighted = lb == LbPolicy.ROUND_ROBIN || lb == LbPolicy.LEAST_REQUEST || lb == LbPolicy.P2C;
        return spec.slowStart() != null && weighted ? new SlowStartBalancer(balancer, spec.slowStart()) : balancer;
    }

    private static Balancer policy(PoolSpec spec, LbPolicy lb, Endpoint[] array) {
        return switch (lb) {
            case ROUND_ROBIN -> new RoundRobinBalancer(array);
            case LEAST_REQUEST -> new LeastRequestBalancer(array);
            case P2C -> new P2cBalancer(array);
            case CONSISTENT_HASH -> new ConsistentHashBalancer(array,
                    spec.hashOn() != null ? spec.hashOn() : new HashOn(HashOn.Kind.CLIENT_IP, null));
            case IP_HASH -> new IpHashBalancer(array);
        };
    }
}
