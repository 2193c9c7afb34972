package dev.phalanx.cluster.model;

import java.time.Duration;

/** A rate limit of a route: at most {@code limit} requests per {@code window} per key ({@code client-ip},
 * {@code header:NAME} or {@code route}). */
public record RateLimitSpec(String key, long limit, Duration window) {
}
