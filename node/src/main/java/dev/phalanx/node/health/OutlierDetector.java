package dev.phalanx.node.health;

import dev.phalanx.cluster.model.Durations;
import dev.phalanx.cluster.model.OutlierSpec;
import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.cluster.state.HealthBoard;
import dev.phalanx.cluster.state.HealthVerdict;
import dev.phalanx.node.metrics.Meters;
import dev.phalanx.node.upstream.Endpoint;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Passive outlier ejection on real traffic, for pools with an {@code outlier} section. After
 * {@code consecutiveFailures} failed attempts in a row an endpoint is ejected for {@code ejection} times the number
 * of its ejections so far plus one (at most ten times, and at most five minutes unless one base ejection is longer),
 * unless that would take the pool's ejected share above {@code maxEjectedPercent}: then it stays and the refusal is
 * counted. A success resets the failure count. The ejection count halves for every ten base ejections without one.
 * With {@code failureRate} set, each endpoint also counts its attempts in a sliding window ({@link FailureWindow})
 * and is ejected the same way (reason {@code failure-rate}) once the failed share of at least {@code minRequests}
 * attempts reaches the threshold.
 *
 * <p>Ejections are this node's own (each node sees its own traffic); they are published to the board's passive slot
 * for operators, and a recovery is published on the first success after the ejection ended.
 *
 * <p>Threads: {@link #onResult} runs on the event loops, lock-free; {@link #reconcile} and {@link #close} on the
 * config thread; board writes on a thread of their own.
 */
public final class OutlierDetector implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OutlierDetector.class.getName());

    private final Meters meters;
    private final String nodeId;
    private final BoardWriter writer;
    /** Endpoint objects (identity: Endpoint does not override equals) to their state; replaced whole on reconcile. */
    private volatile Map<Endpoint, EndpointOutliers> byEndpoint = Map.of();
    private Map<String, EndpointOutliers> byKey = Map.of();
    private volatile Map<String, PoolOutliers> pools = Map.of();

    public OutlierDetector(HealthBoard board, Meters meters, String nodeId) {
        this.meters = meters;
        this.nodeId = nodeId;
        this.writer = new BoardWriter(board, "phalanx-health-passive-board");
    }

    /** True for the upstream statuses that count as a failed attempt: 502, 503 and 504. */
    public static boolean isFailureStatus(int status) {
        return status == 502 || status == 503 || status == 504;
    }

    /**
     * Records the outcome of one upstream attempt (a connect failure, reset or timeout is a failure, and so is a
     * {@link #isFailureStatus failure status}). Called on event loops; lock-free; endpoints of pools without outlier
     * detection are ignored.
     */
    public void onResult(Endpoint endpoint, boolean success) {
        EndpointOutliers state = byEndpoint.get(endpoint);
        if (state == null) {
            return;
        }
        FailureWindow window = state.window;
        if (window != null && !endpoint.isEjected()) {
            window.record(success);
        }
        if (success) {
            if (state.consecutiveFailures.get() != 0) {
                state.consecutiveFailures.set(0);
            }
            if (state.ejectionPublished.get() && !endpoint.isEjected()
                    && state.ejectionPublished.compareAndSet(true, false)) {
                writer.publish(state.key, HealthVerdict.passive(true, nodeId, "ejection over, requests succeed"));
            }
            return;
        }
        if (endpoint.isEjected()) {
            return; // attempts that started before the ejection do not extend it
        }
        PoolOutliers pool = state.pool;
        OutlierSpec spec = pool.spec;
        EjectionReason reason;
        if (state.consecutiveFailures.incrementAndGet() >= spec.consecutiveFailures()) {
            reason = EjectionReason.CONSECUTIVE_FAILURES;
        } else if (window != null && spec.failureRate() != null
                && window.counts().trips(spec.failureRate().thresholdPercent(), spec.failureRate().minRequests())) {
            reason = EjectionReason.FAILURE_RATE;
        } else {
            return;
        }
        switch (pool.tryEject(endpoint, state, reason)) {
            case EJECTED -> ejected(endpoint, state, pool);
            case SUPPRESSED -> LOG.log(System.Logger.Level.DEBUG, () -> "endpoint " + state.key
                    + " not ejected: pool " + pool.poolId + " is at maxEjectedPercent "
                    + pool.spec.maxEjectedPercent());
            case NONE -> { }
        }
    }

    /**
     * Brings the tracked endpoints in line with the config: keeps the state of endpoints that stay (an ejection moves
     * to a new endpoint object of the same address), forgets removed ones, and lifts ejections of pools that lost
     * their {@code outlier} section. Call off the event loops, after each config change.
     */
    public synchronized void reconcile(List<HealthTarget> targets) {
        Map<Endpoint, EndpointOutliers> nextByEndpoint = new HashMap<>();
        Map<String, EndpointOutliers> nextByKey = new HashMap<>();
        Map<String, PoolOutliers> nextPools = new HashMap<>();
        for (HealthTarget target : targets) {
            PoolSpec spec = target.spec();
            OutlierSpec outlier = spec.outlier();
            if (outlier == null) {
                for (Endpoint endpoint : target.endpoints()) {
                    if (byKey.containsKey(HealthBoard.key(spec.id(), endpoint.address())) && endpoint.isEjected()) {
                        endpoint.ejectUntil(System.nanoTime()); // lifts it at once
                    }
                }
                continue;
            }
            PoolOutliers pool = pools.get(spec.id());
            if (pool == null) {
                pool = new PoolOutliers(spec.id(), outlier, target.endpoints());
            } else {
                pool.endpoints = target.endpoints();
                pool.spec = outlier;
            }
            nextPools.put(spec.id(), pool);
            for (Endpoint endpoint : target.endpoints()) {
                String key = HealthBoard.key(spec.id(), endpoint.address());
                EndpointOutliers state = nextByKey.get(key);
                if (state == null) {
                    state = byKey.get(key);
                    if (state == null) {
                        state = new EndpointOutliers(key, pool);
                    }
                    state.pool = pool;
                    state.window = windowFor(outlier, state.window);
                    nextByKey.put(key, state);
                }
                boolean stillEjected = state.timesEjected > 0 && System.nanoTime() - state.ejectedUntilNanos < 0;
                if (stillEjected && !endpoint.isEjected()) {
                    endpoint.ejectUntil(state.ejectedUntilNanos); // a new object for an ejected address
                }
                nextByEndpoint.put(endpoint, state);
            }
        }
        for (String key : byKey.keySet()) {
            if (!nextByKey.containsKey(key)) {
                writer.remove(key, HealthVerdict.Source.PASSIVE);
            }
        }
        byKey = nextByKey;
        pools = nextPools;
        byEndpoint = nextByEndpoint;
    }

    /** The passive-detection view of one endpoint, or null when its pool has no outlier detection. */
    public OutlierStats stats(Endpoint endpoint) {
        EndpointOutliers state = byEndpoint.get(endpoint);
        if (state == null) {
            return null;
        }
        FailureWindow window = state.window;
        FailureWindow.Counts counts = window == null ? null : window.counts();
        return new OutlierStats(state.consecutiveFailures.get(), state.timesEjected,
                Duration.ofNanos(state.lastEjectionNanos), endpoint.isEjected(), state.reason,
                counts == null ? -1 : counts.requests(), counts == null ? -1 : counts.failures());
    }

    /** The window to keep for a pool's settings: the old one when its length did not change, else new or none. */
    private static FailureWindow windowFor(OutlierSpec outlier, FailureWindow old) {
        OutlierSpec.FailureRateSpec rate = outlier.failureRate();
        if (rate == null) {
            return null;
        }
        long nanos = rate.window().toNanos();
        return old != null && old.windowNanos() == nanos ? old : new FailureWindow(nanos, System::nanoTime);
    }

    /** Ejections refused because the pool was at {@code maxEjectedPercent}, since the pool was configured. */
    public long suppressedEjections(String poolId) {
        PoolOutliers pool = pools.get(poolId);
        return pool == null ? 0 : pool.suppressed.get();
    }

    /** Stops the board writer; ejections in force run out by themselves. */
    @Override
    public synchronized void close() {
        writer.close();
    }

    private void ejected(Endpoint endpoint, EndpointOutliers state, PoolOutliers pool) {
        EjectionReason why = state.reason;
        meters.outlierEjection(pool.poolId, endpoint.address(), why.configName());
        OutlierSpec spec = pool.spec;
        String after = why == EjectionReason.FAILURE_RATE
                ? spec.failureRate().thresholdPercent() + "% or more of at least " + spec.failureRate().minRequests()
                        + " attempts in " + Durations.format(spec.failureRate().window()) + " failed"
                : spec.consecutiveFailures() + " consecutive failures";
        String reason = why.configName() + ": ejected for " + Duration.ofNanos(state.lastEjectionNanos).toMillis()
                + "ms after " + after + " (ejection " + state.timesEjected + ")";
        state.ejectionPublished.set(true);
        writer.publish(state.key, HealthVerdict.passive(false, nodeId, reason));
        LOG.log(System.Logger.Level.WARNING, "endpoint " + state.key + " " + reason);
    }
}
