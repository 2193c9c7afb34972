package dev.phalanx.node.health;

import dev.phalanx.cluster.model.OutlierSpec;
import dev.phalanx.node.upstream.Endpoint;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Passive-detection state of one pool: its settings, its endpoints and the gate that lets one event loop at a time
 * decide an ejection, so that {@code maxEjectedPercent} holds exactly. A loop that finds the gate taken does not
 * wait: the endpoint keeps its failure count and the next failure tries again.
 */
final class PoolOutliers {
    /** The longest ejection, unless one base ejection is longer. */
    static final long MAX_EJECTION_NANOS = Duration.ofMinutes(5).toNanos();
    /** The ejection time grows with repeats up to this many base ejections. */
    static final int MAX_MULTIPLIER = 10;

    final String poolId;
    final AtomicLong suppressed = new AtomicLong();
    private final AtomicBoolean deciding = new AtomicBoolean();
    volatile OutlierSpec spec;
    volatile List<Endpoint> endpoints;

    PoolOutliers(String poolId, OutlierSpec spec, List<Endpoint> endpoints) {
        this.poolId = poolId;
        this.spec = spec;
        this.endpoints = endpoints;
    }

    /** What an ejection decision did. */
    enum Decision { EJECTED, SUPPRESSED, NONE }

    /**
     * Ejects {@code endpoint} if it is not ejected, still meets the condition of {@code reason}
     * ({@code consecutiveFailures} failures in a row, or the failure rate of its window), and the pool's ejected share
     * stays within {@code maxEjectedPercent}. Any thread; never waits.
     */
    Decision tryEject(Endpoint endpoint, EndpointOutliers state, EjectionReason reason) {
        if (!deciding.compareAndSet(false, true)) {
            return Decision.NONE;
        }
        try {
            OutlierSpec current = spec;
            if (endpoint.isEjected() || !stillMet(state, reason, current)) {
                return Decision.NONE;
            }
            state.consecutiveFailures.set(0);
            FailureWindow window = state.window;
            if (window != null) {
                window.clear(); // the decision is made; it comes back with a clean window
            }
            List<Endpoint> all = endpoints;
            int ejected = 0;
            for (Endpoint e : all) {
                if (e.isEjected()) {
                    ejected++;
                }
            }
            if ((long) (ejected + 1) * 100 > (long) current.maxEjectedPercent() * all.size()) {
                suppressed.incrementAndGet();
                return Decision.SUPPRESSED;
            }
            long now = System.nanoTime();
            long base = current.ejection().toNanos();
            state.decay(now, base);
            int multiplier = Math.min(state.timesEjected + 1, MAX_MULTIPLIER);
            long duration = Math.min(saturatedMultiply(base, multiplier), Math.max(base, MAX_EJECTION_NANOS));
            state.timesEjected = multiplier;
            state.reason = reason;
            state.lastEjectionNanos = duration;
            state.ejectedUntilNanos = now + duration;
            endpoint.ejectUntil(now + duration);
            return Decision.EJECTED;
        } finally {
            deciding.set(false);
        }
    }

    private static boolean stillMet(EndpointOutliers state, EjectionReason reason, OutlierSpec current) {
        if (reason == EjectionReason.CONSECUTIVE_FAILURES) {
            return state.consecutiveFailures.get() >= current.consecutiveFailures();
        }
        FailureWindow window = state.window;
        OutlierSpec.FailureRateSpec rate = current.failureRate();
        return window != null && rate != null
                && window.counts().trips(rate.thresholdPercent(), rate.minRequests());
    }

    private static long saturatedMultiply(long a, int b) {
        long r = a * b;
        return a != 0 && r / a != b ? Long.MAX_VALUE : r;
    }
}
