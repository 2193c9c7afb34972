package dev.phalanx.node.http;

import dev.phalanx.node.metrics.ExchangeObserver;
import dev.phalanx.node.metrics.ExchangeSummary;
import dev.phalanx.node.metrics.Meters;
import dev.phalanx.node.routing.Route;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The last phase of an exchange: what it leaves behind once it finished, the route's status and latency meter, the
 * compression counters, and the access-log entry (built only when someone listens).
 */
final class ExchangeReport {
    private final ProxyContext context;
    private final HttpRequest request;
    private final long startNanos;
    private final boolean http10;

    ExchangeReport(ProxyContext context, HttpRequest request, long startNanos, boolean http10) {
        this.context = context;
        this.request = request;
        this.startNanos = startNanos;
        this.http10 = http10;
    }

    /** Records the finished exchange. Fields that the exchange never reached are null (no route, no attempt). */
    void report(ExchangeHost host, int status, int upstreamStatus, String error, RequestTarget target,
                ForwardedRequest forwarded, Route route, ExchangeAttempts attempts, RequestRelay requestRelay,
                ResponseRelay responseRelay, String cacheStatus) {
        long duration = System.nanoTime() - startNanos;
        context.meters().route(route == null ? Meters.NO_ROUTE : route.id()).record(status == 0 ? 502 : status, duration);
        ResponseCompression compressed = responseRelay.compression();
        if (compressed != null) {
            compressed.record(context.meters(), route.id());
        }
        if (context.observer() == ExchangeObserver.NONE) {
            return;
        }
        long startMillis = System.currentTimeMillis() - duration / 1_000_000; // one wall-clock read, when logged
        context.observer().completed(new ExchangeSummary(startMillis, context.listenerName(),
                forwarded == null ? null : forwarded.requestId(),
                forwarded == null ? null : forwarded.clientAddress(), request.method().name(),
                target == null ? null : target.host(), target == null ? request.uri() : target.originForm(),
                host.protocol(http10), status, requestRelay.bytesIn(), responseRelay.bytesOut(), duration,
                route == null ? null : route.id(),
                attempts == null || attempts.pool() == null ? null : attempts.pool().id(),
                attempts == null || attempts.endpoint() == null ? null : attempts.endpoint().address(),
                upstreamStatus, attempts == null ? 0 : attempts.count(),
                request.headers().get(HttpHeaderNames.USER_AGENT), error,
                compressed == null ? null : compressed.coding().token(), cacheStatus));
    }
}
