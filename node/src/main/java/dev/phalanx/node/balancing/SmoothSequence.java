package dev.phalanx.node.balancing;

/**
 * Precomputes one full cycle of nginx's smooth weighted round robin, so that picking is an array index instead of
 * a locked update of every endpoint's running weight. nginx, each pick: add every endpoint's weight to its current
 * weight, take the endpoint with the largest current weight, subtract the total from it. Over one cycle of
 * {@code sum(weights)} picks each endpoint comes up exactly {@code weight} times, spread evenly (weights 5,1,1 give
 * a a b a c a a, not a a a a a b c).
 *
 * <p>Weights are first divided by their greatest common divisor. If the cycle would still be longer than
 * {@code cap}, weights are scaled down to fit (each keeps at least 1), so ratios become approximate to about
 * {@code n / cap}; ordinary configs (weights up to a few hundred) stay exact.
 */
final class SmoothSequence {
    /** Longest cycle kept per pool: 8192 ints is 32 KiB at most. */
    static final int DEFAULT_CAP = 8192;

    private SmoothSequence() {
    }

    /**
     * @param weights relative weights, one per endpoint; values below 1 count as 1 (validation rejects them)
     * @param cap the longest cycle wanted; raised to {@code weights.length} so every endpoint keeps a slot
     * @return endpoint indexes, one cycle
     */
    static int[] build(int[] weights, int cap) {
        int n = weights.length;
        if (n == 0) {
            return new int[0];
        }
        int[] w = reduce(weights, Math.max(cap, n));
        long total = 0;
        for (int x : w) {
            total += x;
        }
        int[] sequence = new int[(int) total];
        long[] current = new long[n];
        for (int k = 0; k < sequence.length; k++) {
            int best = 0;
            for (int i = 0; i < n; i++) {
                current[i] += w[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            sequence[k] = best;
        }
        return sequence;
    }

    /** Weights divided by their gcd, then scaled to sum to at most {@code cap}. */
    static int[] reduce(int[] weights, int cap) {
        int n = weights.length;
        int[] w = new int[n];
        int g = 0;
        long total = 0;
        for (int i = 0; i < n; i++) {
            w[i] = Math.max(1, weights[i]);
            g = gcd(g, w[i]);
        }
        for (int i = 0; i < n; i++) {
            w[i] /= g;
            total += w[i];
        }
        if (total <= cap) {
            return w;
        }
        // keep one slot for each endpoint, share the rest in proportion (rounded down, so the sum stays <= cap)
        long spare = cap - n;
        for (int i = 0; i < n; i++) {
            w[i] = 1 + (int) ((w[i] - 1) * spare / (total - n));
        }
        return w;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
