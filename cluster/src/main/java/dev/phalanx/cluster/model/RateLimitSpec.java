package dev.phalanx.cluster.model;

import java.time.Duration;

/**
 * A rate limit of a route: at most {@code limit} requests per {@code window} per key ({@code client-ip},
 * {@code header:NAME} or {@code route}). A request that finds no token on its node while the key's lease is on its
 * way waits for it at most {@code maxWait} (0: refused at once).
 */
public record RateLimitSpec(String key, long limit, Duration window, Duration maxWait) {
    /** How long a request may wait for its key's lease unless the route says otherwise. */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(100);
    /** The longest wait a route may configure. */
    public static final Duration MAX_MAX_WAIT = Duration.ofSeconds(10);

    public RateLimitSpec(String key, long limit, Duration window) {
        this(key, limit, window, DEFAULT_MAX_WAIT);
    }
}
