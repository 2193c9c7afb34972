package dev.phalanx.node.health;

import java.time.Duration;

/**
 * What passive outlier detection knows of one endpoint, for admin pages and tests.
 *
 * @param consecutiveFailures failed attempts since the last success or ejection decision
 * @param ejections how many times it was ejected, as it stood at the last ejection (it decays then)
 * @param lastEjection how long the last ejection was, {@link Duration#ZERO} when never ejected
 * @param ejected true while the endpoint is ejected
 * @param reason why it was last ejected, null when never
 * @param windowRequests attempts in the failure-rate window, -1 when the pool has no {@code failureRate}
 * @param windowFailures failed attempts among them, -1 likewise
 */
public record OutlierStats(int consecutiveFailures, int ejections, Duration lastEjection, boolean ejected,
                           EjectionReason reason, long windowRequests, long windowFailures) {
}
