package dev.phalanx.node.metrics;

import java.net.InetAddress;

/**
 * What is known of a finished exchange, for the access log: immutable, safe to hand to another thread.
 *
 * @param target         the request target as the client sent it (origin form), before any rewrite
 * @param protocol       the protocol the client spoke
 * @param status         the status sent downstream; 499 when the client left before the response ended
 * @param upstream       the endpoint address of the last attempt, null when none was tried
 * @param upstreamStatus the status the last attempt answered, 0 when none answered
 * @param error          null, or a short reason (no route, upstream timeout...)
 * @param encoding       the content coding the node compressed the response body with, null when it did not
 * @param cache          the {@code Cache-Status} of a route with a cache (docs/cache.md), null otherwise
 */
public record ExchangeSummary(long startEpochMillis, String listener, String requestId, InetAddress client,
                              String method, String host, String target, String protocol, int status, long bytesIn,
                              long bytesOut, long durationNanos, String route, String pool, String upstream,
                              int upstreamStatus, int attempts, String userAgent, String error, String encoding,
                              String cache) {
}
