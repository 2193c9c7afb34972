package dev.phalanx.cluster.model;

import java.time.Duration;

/** Upstream timeouts of a route: connect, time to the response head, and idle time between body reads/writes. */
public record TimeoutsSpec(Duration connect, Duration response, Duration idle) {
    public static final TimeoutsSpec DEFAULT =
            new TimeoutsSpec(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60));
}
