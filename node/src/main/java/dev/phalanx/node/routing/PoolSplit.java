package dev.phalanx.node.routing;

import dev.phalanx.node.balancing.Pool;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses one of a route's target pools at random in proportion to the split weights (a canary at 5 gets about 5
 * of every 100 requests). Random rather than round robin: no state is shared between event loops, and over many
 * requests the shares are the same. Targets of weight 0 get nothing unless every weight is 0, then all share equally.
 */
final class PoolSplit {
    private final Pool[] pools;
    /** Running totals of the weights: pool i takes draws in {@code [cumulative[i-1], cumulative[i])}. */
    private final long[] cumulative;

    PoolSplit(Pool[] pools, int[] weights) {
        this.pools = pools;
        this.cumulative = new long[pools.length];
        long total = 0;
        for (int w : weights) {
            total += Math.max(w, 0);
        }
        boolean equal = total == 0;
        long sum = 0;
        for (int i = 0; i < pools.length; i++) {
            sum += equal ? 1 : Math.max(weights[i], 0);
            cumulative[i] = sum;
        }
    }

    Pool pick() {
        if (pools.length == 1) {
            return pools[0];
        }
        long draw = ThreadLocalRandom.current().nextLong(cumulative[cumulative.length - 1]);
        for (int i = 0; i < cumulative.length; i++) {
            if (draw < cumulative[i]) {
                return pools[i];
            }
        }
        return pools[pools.length - 1];
    }

    Pool[] pools() {
        return pools;
    }
}
