package dev.phalanx.node.ratelimit;

/**
 * How many tokens to ask for in one lease, and when to ask for the next. A lease is a tenth of this node's recent
 * traffic for the key (the larger of the last window's and this window's request count), at least 2% of the limit
 * (a cold key costs one small lease) and at most 10% (no node hoards the budget: with three busy nodes and a
 * spent budget, at most three part-leases are held back). The next lease is asked for when half of the last one
 * is left, so on a hot key it normally arrives before the held tokens run out.
 */
final class LeaseSizing {
    static final double MIN_SHARE = 0.02;
    static final double MAX_SHARE = 0.10;
    static final int TRAFFIC_DIVISOR = 10;

    private LeaseSizing() {
    }

    static int size(long limit, int recentTraffic) {
        long min = Math.max(1, (long) Math.ceil(limit * MIN_SHARE));
        long max = Math.max(min, (long) Math.ceil(limit * MAX_SHARE));
        long wanted = (recentTraffic + TRAFFIC_DIVISOR - 1) / TRAFFIC_DIVISOR;
        return (int) Math.min(Integer.MAX_VALUE, Math.min(limit, Math.max(min, Math.min(max, wanted))));
    }

    /** Ask for the next lease when no more than this many tokens are held. */
    static int lowWater(int leaseSize) {
        return (leaseSize + 1) / 2;
    }
}
