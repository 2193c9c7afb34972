package dev.phalanx.node.balancing;

import dev.phalanx.node.upstream.Endpoint;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round robin (nginx's semantics) without locks: one precomputed cycle (see {@link SmoothSequence})
 * indexed by a shared atomic counter, so concurrent event loops together follow the cycle exactly.
 *
 * <p>A slot whose endpoint is unavailable or already tried is passed over by taking the next counter value, so the
 * remaining endpoints keep their weight ratios (nginx gives a down peer's turns to the others in proportion too).
 * After {@value #MAX_SLOTS_TRIED} slots without luck (a heavy endpoint is down, or most of the pool is) it scans the
 * endpoints once in order from the counter's position, which is bounded by the pool size.
 */
final class RoundRobinBalancer implements Balancer {
    static final int MAX_SLOTS_TRIED = 32;

    private final Endpoint[] endpoints;
    private final int[] sequence;
    private final AtomicLong counter = new AtomicLong();

    RoundRobinBalancer(Endpoint[] endpoints) {
        this.endpoints = endpoints;
        int[] weights = new int[endpoints.length];
        for (int i = 0; i < endpoints.length; i++) {
            weights[i] = endpoints[i].weight();
        }
        this.sequence = SmoothSequence.build(weights, SmoothSequence.DEFAULT_CAP);
    }

    @Override
    public Endpoint pick(PickContext context) {
        int len = sequence.length;
        if (len == 0) {
            return null;
        }
        Endpoint fallback = null;
        int slots = Math.min(len, MAX_SLOTS_TRIED);
        long position = 0;
        for (int i = 0; i < slots; i++) {
            position = counter.getAndIncrement();
            Endpoint e = endpoints[sequence[Hashing.bucket(position, len)]];
            if (e.isAvailable()) {
                if (!context.alreadyTried(e)) {
                    return e;
                }
                if (fallback == null) {
                    fallback = e;
                }
            }
        }
        Endpoint scanned = Eligible.scanFrom(endpoints, Hashing.bucket(position, endpoints.length), context);
        return scanned != null ? scanned : fallback;
    }
}
