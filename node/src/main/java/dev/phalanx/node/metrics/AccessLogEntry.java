package dev.phalanx.node.metrics;

import java.time.Instant;

/**
 * One line of the access log: what happened to one request (docs/contract.md#access-log). Built once per request by
 * the proxy when the response ends and handed to {@link AccessLog#log}; formatting, truncation and escaping happen
 * later on the log's writer thread, so building an entry costs the event loop one allocation.
 *
 * @param time           when the request head arrived (written as ISO-8601 UTC with milliseconds)
 * @param node           this node's id
 * @param listener       the listener's name ({@code web}, {@code websecure})
 * @param requestId      the request's {@code X-Request-Id} (incoming or generated)
 * @param client         the resolved client IP (after trusted {@code X-Forwarded-For}/PROXY protocol)
 * @param method         request method
 * @param host           the request's host (authority), null when absent; truncated to 256 characters
 * @param path           the request target as received, query included; truncated to 2,048 characters
 * @param protocol       {@code HTTP/1.0}, {@code HTTP/1.1} or {@code HTTP/2}
 * @param status         the status sent downstream (0 when the connection ended before any was sent)
 * @param bytesIn        request body bytes received from downstream
 * @param bytesOut       response body bytes sent downstream
 * @param durationMs     request head received to response end, in milliseconds (written with 3 decimals)
 * @param route          the matched route's id, null when no route matched
 * @param pool           the pool the route picked, null when none
 * @param upstream       the endpoint address of the last attempt, null when none was tried
 * @param upstreamStatus the status the endpoint answered on the last attempt, 0 when none (written as null)
 * @param attempts       upstream attempts made (0 when none, above 1 after retries)
 * @param userAgent      the {@code User-Agent} header, null when absent; truncated to 512 characters
 * @param error          null on success, else a short reason ({@code upstream-timeout}, {@code connect-failure})
 * @param encoding       {@code gzip}, {@code br} or {@code zstd} when the node compressed the response body, else null
 * @param cache          the response's {@code Cache-Status} on a route with a cache (docs/cache.md), else null
 */
public record AccessLogEntry(Instant time, String node, String listener, String requestId, String client,
                             String method, String host, String path, String protocol, int status, long bytesIn,
                             long bytesOut, double durationMs, String route, String pool, String upstream,
                             int upstreamStatus, int attempts, String userAgent, String error, String encoding,
                             String cache) {
}
