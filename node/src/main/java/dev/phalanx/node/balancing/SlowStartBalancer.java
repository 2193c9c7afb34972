package dev.phalanx.node.balancing;

import dev.phalanx.cluster.model.SlowStartSpec;
import dev.phalanx.node.upstream.Endpoint;
import java.net.InetAddress;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Slow start for the weighted policies: wraps a pool's balancer so that an endpoint in its ramp (it joined the pool,
 * came back healthy or its ejection ended less than {@code window} ago, see {@link Endpoint#rampStartNanos}) is
 * passed over at random, taken with probability {@code f = min + (1 - min) * elapsed / window}. A passed-over
 * endpoint counts for the inner balancer as one already tried, so it still gets the request when nothing else is
 * available. With round robin this gives the endpoint exactly {@code f} of its weight; with least-request and p2c
 * about {@code f} of the share it would have. Lock-free; a small wrapper object per pick.
 */
final class SlowStartBalancer implements Balancer {
    private final Balancer inner;
    private final long windowNanos;
    private final double minFraction;

    SlowStartBalancer(Balancer inner, SlowStartSpec spec) {
        this.inner = inner;
        this.windowNanos = spec.window().toNanos();
        this.minFraction = spec.minWeightPercent() / 100.0;
    }

    @Override
    public Endpoint pick(PickContext context) {
        return inner.pick(new Ramped(context, System.nanoTime()));
    }

    /**
     * The share of its weight an endpoint gets at {@code nowNanos}: 1 outside a ramp, else from {@code min} up to 1
     * over the window.
     */
    static double weightFraction(long rampStartNanos, long nowNanos, long windowNanos, double minFraction) {
        if (rampStartNanos == 0) {
            return 1;
        }
        long elapsed = nowNanos - rampStartNanos;
        if (elapsed >= windowNanos || elapsed < 0) {
            return 1;
        }
        return minFraction + (1 - minFraction) * ((double) elapsed / windowNanos);
    }

    /** Passed over for this pick (at random, by its ramp)? */
    private boolean passedOver(Endpoint e, long now) {
        double f = weightFraction(e.rampStartNanos(), now, windowNanos, minFraction);
        return f < 1 && ThreadLocalRandom.current().nextDouble() >= f;
    }

    private final class Ramped implements PickContext {
        private final PickContext context;
        private final long now;

        Ramped(PickContext context, long now) {
            this.context = context;
            this.now = now;
        }

        @Override
        public InetAddress clientAddress() {
            return context.clientAddress();
        }

        @Override
        public String header(String name) {
            return context.header(name);
        }

        @Override
        public String cookie(String name) {
            return context.cookie(name);
        }

        @Override
        public String path() {
            return context.path();
        }

        @Override
        public boolean alreadyTried(Endpoint endpoint) {
            return context.alreadyTried(endpoint) || passedOver(endpoint, now);
        }
    }
}
