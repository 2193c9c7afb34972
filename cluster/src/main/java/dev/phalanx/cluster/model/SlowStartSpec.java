package dev.phalanx.cluster.model;

import java.time.Duration;

/**
 * Slow start: an endpoint that is new to the pool or becomes healthy again gets {@code minWeightPercent} of its
 * weight at first, ramped linearly to its full weight over {@code window}. Only for the weighted policies
 * (round-robin, least-request, p2c); the config rejects it for the hashing ones.
 */
public record SlowStartSpec(Duration window, int minWeightPercent) {
}
