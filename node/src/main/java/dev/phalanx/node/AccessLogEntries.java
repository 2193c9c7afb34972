package dev.phalanx.node;

import dev.phalanx.node.http.ProxyExchange;
import dev.phalanx.node.metrics.AccessLogEntry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.time.Instant;

/** Builds the access-log record of a finished exchange. */
final class AccessLogEntries {
    private AccessLogEntries() {
    }

    static AccessLogEntry of(ProxyExchange ex, String nodeId) {
        HttpRequest r = ex.request();
        return new AccessLogEntry(Instant.ofEpochMilli(ex.startEpochMillis()), nodeId, ex.listener(), ex.requestId(),
                ex.client() == null ? null : ex.client().getHostAddress(), r.method().name(), ex.host(),
                ex.originalTarget(), ex.downstreamProtocol(), ex.status(), ex.bytesIn(),
                ex.bytesOut(), ex.durationNanos() / 1e6, ex.routeId(), ex.poolId(), ex.upstreamAddress(),
                ex.upstreamStatus(), ex.attempts(), r.headers().get(HttpHeaderNames.USER_AGENT), ex.error());
    }
}
