package dev.phalanx.node.health;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Passive-detection state of one endpoint; survives config reloads while the endpoint stays. The failure count is
 * touched by every event loop (atomic); the ejection history only by the holder of its pool's decision gate
 * ({@link PoolOutliers}), and is volatile for readers of {@link OutlierStats}. The failure-rate window, when the
 * pool has one, is lock-free ({@link FailureWindow}).
 */
final class EndpointOutliers {
    final String key;
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** Set when an ejection was published to the board; cleared when the recovery was published. */
    final AtomicBoolean ejectionPublished = new AtomicBoolean();
    volatile PoolOutliers pool;
    volatile int timesEjected;
    volatile long ejectedUntilNanos;
    volatile long lastEjectionNanos;
    /** Why it was last ejected ({@link EjectionReason}); null when never ejected. */
    volatile EjectionReason reason;
    /** The failure-rate window, null when the pool has no {@code outlier.failureRate}; replaced on reconcile. */
    volatile FailureWindow window;

    EndpointOutliers(String key, PoolOutliers pool) {
        this.key = key;
        this.pool = pool;
    }

    /** Halves the ejection count once per quiet period (ten base ejections) since the last ejection ended. */
    void decay(long nowNanos, long baseNanos) {
        if (timesEjected == 0) {
            return;
        }
        long quiet = nowNanos - ejectedUntilNanos;
        long period = Math.max(1, baseNanos) * 10;
        if (quiet >= period) {
            long halvings = quiet / period;
            timesEjected = halvings >= Integer.SIZE ? 0 : timesEjected >> halvings;
        }
    }
}
