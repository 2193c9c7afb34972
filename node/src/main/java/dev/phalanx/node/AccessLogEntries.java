package dev.phalanx.node;

import dev.phalanx.node.http.ExchangeSummary;
import dev.phalanx.node.metrics.AccessLogEntry;
import java.time.Instant;

/** Builds the access-log record of a finished exchange. */
final class AccessLogEntries {
    private AccessLogEntries() {
    }

    static AccessLogEntry of(ExchangeSummary ex, String nodeId) {
        return new AccessLogEntry(Instant.ofEpochMilli(ex.startEpochMillis()), nodeId, ex.listener(), ex.requestId(),
                ex.client() == null ? null : ex.client().getHostAddress(), ex.method(), ex.host(), ex.target(),
                ex.protocol(), ex.status(), ex.bytesIn(), ex.bytesOut(), ex.durationNanos() / 1e6, ex.route(),
                ex.pool(), ex.upstream(), ex.upstreamStatus(), ex.attempts(), ex.userAgent(), ex.error());
    }
}
