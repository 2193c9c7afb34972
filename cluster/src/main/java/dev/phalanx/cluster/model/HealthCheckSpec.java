package dev.phalanx.cluster.model;

import java.time.Duration;
import java.util.List;

/**
 * Active HTTP probe of every endpoint of a pool: {@code GET path} every {@code interval}; an endpoint turns healthy
 * after {@code rise} consecutive passes and unhealthy after {@code fall} consecutive failures.
 */
public record HealthCheckSpec(String path, Duration interval, Duration timeout, int rise, int fall,
                              List<Integer> expectStatus) {
}
