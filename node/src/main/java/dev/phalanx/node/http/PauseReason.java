package dev.phalanx.node.http;

/**
 * Why a downstream connection is not read now. Several can hold at once; the connection is read again when none
 * holds ({@link ProxyHandler} keeps one bit each).
 */
enum PauseReason {
    /** The upstream connection cannot take more request body. */
    UPSTREAM_BUSY,
    /** Pipelined requests wait for the one in progress. */
    QUEUED,
    /** The upstream connection is being opened; the body is held until it is up. */
    CONNECTING,
    /** The request waits for a rate-limit lease ({@link ExchangeLimit}). */
    RATE_LIMIT;

    final int bit = 1 << ordinal();
}
