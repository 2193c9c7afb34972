package dev.phalanx.node.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why a downstream request was refused before it reached the proxy handler.
 *
 * @param status    400, 405 (CONNECT), 408 (a slow client), 414 (request line over
 *                  {@link HttpCodecs#MAX_REQUEST_LINE_BYTES}) or 431
 * @param reason    a short fixed text for the error body and the operator; never echoes request bytes
 * @param source    the layer that caught it
 * @param requestId the id written into the error response (the request's own when it sent a well-formed one)
 */
public record Rejection(HttpResponseStatus status, String reason, Source source, String requestId) {
    public enum Source {
        /** {@link RawRequestGuard}: the raw bytes broke the syntax or framing rules. */
        GUARD,
        /** Netty's decoder reported a failure (too long, malformed). */
        CODEC,
        /** {@link RequestValidator}: the parsed request is not acceptable (Host, version, target, method). */
        VALIDATOR,
        /** A slow-client deadline ({@link SlowRequest}): the head or body did not come in time. */
        DEADLINE
    }
}
