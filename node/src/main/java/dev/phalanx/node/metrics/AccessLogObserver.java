package dev.phalanx.node.metrics;

import java.time.Instant;

/** Turns each finished exchange into an access-log entry (queued; written by the log's own thread). */
public final class AccessLogObserver implements ExchangeObserver {
    private final AccessLog log;
    private final String nodeId;

    public AccessLogObserver(AccessLog log, String nodeId) {
        this.log = log;
        this.nodeId = nodeId;
    }

    @Override
    public void completed(ExchangeSummary exchange) {
        log.log(entry(exchange, nodeId));
    }

    /** The access-log record of a finished exchange. */
    static AccessLogEntry entry(ExchangeSummary ex, String nodeId) {
        return new AccessLogEntry(Instant.ofEpochMilli(ex.startEpochMillis()), nodeId, ex.listener(), ex.requestId(),
                ex.client() == null ? null : ex.client().getHostAddress(), ex.method(), ex.host(), ex.target(),
                ex.protocol(), ex.status(), ex.bytesIn(), ex.bytesOut(), ex.durationNanos() / 1e6, ex.route(),
                ex.pool(), ex.upstream(), ex.upstreamStatus(), ex.attempts(), ex.userAgent(), ex.error(),
                ex.encoding(), ex.cache());
    }
}
