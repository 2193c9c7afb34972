package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * Reads a pool's {@code limits} (caps per endpoint and the bounded queue, see {@link PoolLimitsSpec}) and the
 * endpoints' own caps, and checks that a queue has something to wait for. Errors carry the exact path.
 */
final class PoolLimitsReader {

    static final List<String> FIELDS = List.of("maxConnections", "maxRequests", "queue");
    static final List<String> QUEUE_FIELDS = List.of("size", "timeout");
    /** Largest cap or queue size accepted; far above what one node can hold open. */
    static final int MAX = 1_000_000;
    static final int DEFAULT_QUEUE_SIZE = 1000;
    static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(5);
    static final Duration MAX_QUEUE_TIMEOUT = Duration.ofMinutes(10);

    private PoolLimitsReader() {
    }

    /** The pool's {@code limits}, or null when absent. */
    static PoolLimitsSpec limits(JsonFields pool) {
        JsonFields l = pool.object("limits", FIELDS);
        if (l == null) {
            return null;
        }
        Integer maxConnections = cap(l, "maxConnections");
        Integer maxRequests = cap(l, "maxRequests");
        int size = DEFAULT_QUEUE_SIZE;
        Duration timeout = DEFAULT_QUEUE_TIMEOUT;
        JsonFields q = l.object("queue", QUEUE_FIELDS);
        if (q != null) {
            size = q.integer("size", DEFAULT_QUEUE_SIZE, 0, MAX);
            timeout = q.duration("timeout", DEFAULT_QUEUE_TIMEOUT, true);
            if (timeout.compareTo(MAX_QUEUE_TIMEOUT) > 0) {
                q.error("timeout", Durations.format(timeout) + " is longer than the maximum "
                        + Durations.format(MAX_QUEUE_TIMEOUT) + "; a request should not wait that long for a slot");
            }
        }
        return new PoolLimitsSpec(maxConnections, maxRequests, size, timeout);
    }

    /** An endpoint's or the pool's {@code maxConnections} / {@code maxRequests}: absent = null, else 1..MAX. */
    static Integer cap(JsonFields f, String field) {
        return f.integer(field, null, 1, MAX);
    }

    /** A {@code limits} section (or its queue) with no cap on any endpoint limits nothing: report it. */
    static void checkSomethingIsCapped(JsonFields pool, PoolLimitsSpec limits, List<EndpointSpec> endpoints) {
        if (limits == null || endpoints.isEmpty()) {
            return;
        }
        boolean capped = limits.maxConnections() != null || limits.maxRequests() != null
                || endpoints.stream().anyMatch(e -> e.maxConnections() != null || e.maxRequests() != null);
        if (!capped) {
            JsonNode l = pool.get("limits");
            String where = l != null && l.hasNonNull("queue") ? "queue" : "maxConnections";
            String message = where.equals("queue")
                    ? "a queue without a cap has nothing to wait for: set limits.maxConnections or"
                    + " limits.maxRequests (or either on an endpoint)"
                    : "limits sets no cap: set maxConnections or maxRequests here or on an endpoint"
                    + " (absent = unlimited)";
            pool.errors().add(new ConfigError(pool.path("limits") + "." + where, message));
        }
    }
}
