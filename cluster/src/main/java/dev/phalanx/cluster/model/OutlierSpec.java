package dev.phalanx.cluster.model;

import java.time.Duration;

/**
 * Passive outlier ejection: after {@code consecutiveFailures} failed requests an endpoint is ejected for
 * {@code ejection} times the number of times it was ejected before (capped), never more than
 * {@code maxEjectedPercent} of a pool at once.
 */
public record OutlierSpec(int consecutiveFailures, Duration ejection, int maxEjectedPercent) {
}
