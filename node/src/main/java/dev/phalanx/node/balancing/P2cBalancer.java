package dev.phalanx.node.balancing;

import dev.phalanx.node.upstream.Endpoint;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two random choices: draw two distinct endpoints at random and take the less loaded one (load as in
 * {@link LeastRequestBalancer}). Nearly as good as a full least-request scan, in constant time, and random enough
 * that many nodes with stale in-flight views do not all pile onto the same idle endpoint. When neither draw is
 * usable (unavailable or already tried) it draws again a few times, then falls back to the full scan.
 */
final class P2cBalancer implements Balancer {
    private static final int DRAWS = 3;

    private final Endpoint[] endpoints;

    P2cBalancer(Endpoint[] endpoints) {
        this.endpoints = endpoints;
    }

    @Override
    public Endpoint pick(PickContext context) {
        int n = endpoints.length;
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            return endpoints[0].isAvailable() ? endpoints[0] : null;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int draw = 0; draw < DRAWS; draw++) {
            int i = random.nextInt(n);
            int j = random.nextInt(n - 1);
            if (j >= i) {
                j++;
            }
            Endpoint a = usable(endpoints[i], context);
            Endpoint b = usable(endpoints[j], context);
            if (a != null && b != null) {
                int cmp = LeastRequestBalancer.compareLoad(a.inFlight(), a, b.inFlight(), b);
                return cmp < 0 || (cmp == 0 && random.nextBoolean()) ? a : b;
            }
            if (a != null || b != null) {
                return a != null ? a : b;
            }
        }
        return LeastRequestBalancer.leastLoaded(endpoints, context);
    }

    private static Endpoint usable(Endpoint e, PickContext context) {
        return e.isAvailable() && !context.alreadyTried(e) ? e : null;
    }
}
