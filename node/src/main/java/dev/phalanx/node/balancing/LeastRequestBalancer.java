package dev.phalanx.node.balancing;

import dev.phalanx.node.upstream.Endpoint;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends each request to the endpoint with the lowest load, where load is {@code (inFlight + 1) / weight}: an
 * endpoint of weight 2 is as loaded with 1 request in flight as an idle endpoint of weight 1, and under steady load
 * in-flight counts settle in proportion to the weights. Ties are broken uniformly at random (reservoir sampling, no
 * allocation), so idle endpoints share the first requests instead of all going to the first one. One pass over the
 * pool per pick; for very large pools {@code p2c} is the cheaper choice.
 */
final class LeastRequestBalancer implements Balancer {
    private final Endpoint[] endpoints;

    LeastRequestBalancer(Endpoint[] endpoints) {
        this.endpoints = endpoints;
    }

    @Override
    public Endpoint pick(PickContext context) {
        return leastLoaded(endpoints, context);
    }

    /** The least loaded available endpoint, untried ones first; null when none is available. */
    static Endpoint leastLoaded(Endpoint[] endpoints, PickContext context) {
        Endpoint best = null;
        boolean bestUntried = false;
        int bestInFlight = 0;
        int ties = 0;
        for (Endpoint e : endpoints) {
            if (!e.isAvailable()) {
                continue;
            }
            boolean untried = !context.alreadyTried(e);
            if (bestUntried && !untried) {
                continue;
            }
            int inFlight = e.inFlight();
            int cmp = best == null || (untried && !bestUntried) ? -1 : compareLoad(inFlight, e, bestInFlight, best);
            if (cmp < 0) {
                best = e;
                bestUntried = untried;
                bestInFlight = inFlight;
                ties = 1;
            } else if (cmp == 0 && ThreadLocalRandom.current().nextInt(++ties) == 0) {
                best = e;
                bestInFlight = inFlight;
            }
        }
        return best;
    }

    /** Compares {@code (inFlightA + 1) / a.weight} with {@code (inFlightB + 1) / b.weight} without division. */
    static int compareLoad(int inFlightA, Endpoint a, int inFlightB, Endpoint b) {
        long left = (Math.max(inFlightA, 0) + 1L) * Math.max(b.weight(), 1);
        long right = (Math.max(inFlightB, 0) + 1L) * Math.max(a.weight(), 1);
        return Long.compare(left, right);
    }
}
