package dev.phalanx.cluster.model;

import java.time.Duration;

/**
 * Passive outlier ejection: after {@code consecutiveFailures} failed requests, or (when {@code failureRate} is set)
 * when the share of failed requests in a sliding window reaches its threshold, an endpoint is ejected for
 * {@code ejection} times the number of times it was ejected before (capped), never more than
 * {@code maxEjectedPercent} of a pool at once.
 */
public record OutlierSpec(int consecutiveFailures, Duration ejection, int maxEjectedPercent,
                          FailureRateSpec failureRate) {

    /** Consecutive-failure ejection only. */
    public OutlierSpec(int consecutiveFailures, Duration ejection, int maxEjectedPercent) {
        this(consecutiveFailures, ejection, maxEjectedPercent, null);
    }

    /**
     * Circuit breaking by failure rate: an endpoint that answered at least {@code minRequests} requests in the last
     * {@code window} of which {@code thresholdPercent} percent or more failed is ejected.
     */
    public record FailureRateSpec(int thresholdPercent, int minRequests, Duration window) {
    }
}
