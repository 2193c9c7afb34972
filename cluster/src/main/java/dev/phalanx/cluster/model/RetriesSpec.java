package dev.phalanx.cluster.model;

import java.util.Set;

/**
 * Retries of a route. {@code attempts} is the number of retries after the first try (0 = none). {@code on} holds
 * the conditions: {@code connect-failure} (always safe), and for idempotent methods only {@code reset},
 * {@code timeout}, {@code 502}, {@code 503}, {@code 504}. Nothing is retried once response bytes went downstream.
 */
public record RetriesSpec(int attempts, Set<String> on) {
    public static final RetriesSpec DEFAULT = new RetriesSpec(1, Set.of("connect-failure"));

    public boolean on(String condition) {
        return on.contains(condition);
    }
}
