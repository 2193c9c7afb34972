package dev.phalanx.node;

import dev.phalanx.node.http.ExchangeObserver;
import dev.phalanx.node.http.ExchangeSummary;
import dev.phalanx.node.metrics.AccessLog;

/** Turns each finished exchange into an access-log entry (queued; written by the log's own thread). */
final class AccessLogObserver implements ExchangeObserver {
    private final AccessLog log;
    private final String nodeId;

    AccessLogObserver(AccessLog log, String nodeId) {
        this.log = log;
        this.nodeId = nodeId;
    }

    @Override
    public void completed(ExchangeSummary ex) {
        log.log(AccessLogEntries.of(ex, nodeId));
    }
}
