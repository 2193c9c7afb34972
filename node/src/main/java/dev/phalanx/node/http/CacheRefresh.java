package dev.phalanx.node.http;

import dev.phalanx.cluster.model.TimeoutsSpec;
import dev.phalanx.node.routing.Route;
import dev.phalanx.node.upstream.Endpoint;
import dev.phalanx.node.upstream.UpstreamConnection;
import dev.phalanx.node.upstream.UpstreamFailure;
import dev.phalanx.node.upstream.UpstreamListener;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The background refresh after a stale-while-revalidate answer (RFC 5861 §3): one upstream {@code GET} for the
 * stale object, with its validators, whose answer only goes into the store (a 304 renews the object, a storable
 * response replaces it; {@link ExchangeCache} decides, as for a request of a client). No client waits for it; at
 * most one runs per URL (it holds the URL's flight). One attempt, bounded by the route's response timeout, under the
 * pool's caps (a full queue means no refresh now). Runs on the event loop of the exchange that answered stale.
 */
final class CacheRefresh implements UpstreamListener {
    private final ChannelHandlerContext ctx;
    private final ExchangeCache cache;
    private final ForwardedRequest forwarded;
    private HttpRequest head;
    private final ExchangeAdmission admission;
    private final ExchangeAttempts attempts;
    private UpstreamConnection upstream;
    private ScheduledFuture<?> timeout;
    private boolean keepAlive;
    private boolean interim;
    private boolean done;

    private CacheRefresh(ProxyContext context, Route route, ExchangePick pick, ChannelHandlerContext ctx,
                         ForwardedRequest forwarded, ExchangeCache cache) {
        this.ctx = ctx;
        this.cache = cache;
        this.forwarded = forwarded;
        this.admission = new ExchangeAdmission(context.pools(), ctx.channel().eventLoop());
        this.attempts = new ExchangeAttempts(context, route, pick, true, admission);
    }

    /**
     * Starts the refresh.
     *
     * @param forwarded the request with its head prepared for the upstream ({@link ForwardedRequest}); copied
     * @param cache     the refresh's own {@link ExchangeCache#refresh()}
     */
    static void start(ProxyContext context, Route route, ExchangePick pick, ChannelHandlerContext ctx,
                      ForwardedRequest forwarded, ExchangeCache cache) {
        new CacheRefresh(context, route, pick, ctx, forwarded, cache).begin(route.spec().timeouts());
    }

    private void begin(TimeoutsSpec timeouts) {
        Endpoint endpoint = attempts.next();
        if (endpoint == null) {
            end(false);
            return;
        }
        HttpRequest upstreamHead = forwarded.upstreamHead(endpoint);
        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        headers.set(upstreamHead.headers());
        cache.addValidators(headers);
        headers.set(ExchangeCache.SURROGATE_CAPABILITY, ExchangeCache.capability());
        head = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, upstreamHead.uri(),
                Unpooled.EMPTY_BUFFER, headers, EmptyHttpHeaders.INSTANCE);
        long total = timeouts.connect().toMillis() + timeouts.response().toMillis();
        timeout = ctx.executor().schedule(() -> {
            if (upstream != null) {
                upstream.close();
            }
            end(false);
        }, total, TimeUnit.MILLISECONDS);
        ExchangeAdmission.Result r = admission.enter(endpoint, timeouts.connect().toMillis(), this, () -> end(false),
                () -> end(false));
        if (r != ExchangeAdmission.Result.ADMITTED) {
            end(false); // queued or full: the pool is busy; no refresh now (the object stays stale)
        }
    }

    @Override
    public void onConnected(UpstreamConnection connection) {
        if (done) {
            connection.release();
            return;
        }
        upstream = connection;
        connection.writeAndFlush(head);
    }

    @Override
    public void onResponseHead(UpstreamConnection connection, HttpResponse response) {
        int code = response.status().code();
        if (code < 200) {
            interim = true;
            return;
        }
        keepAlive = HeaderScan.keepAlive(HeaderScan.of(response.headers()), response.protocolVersion());
        cache.onResponseHead(response, ctx.alloc());
    }

    @Override
    public void onResponseContent(UpstreamConnection connection, HttpContent content, boolean last) {
        if (interim) {
            content.release();
            interim = !last;
            return;
        }
        try {
            cache.tee(content, last);
        } finally {
            content.release();
        }
        if (last) {
            upstream = null;
            if (keepAlive && !done) {
                connection.release();
            } else {
                connection.close();
            }
            end(true);
        }
    }

    @Override
    public void onReadComplete(UpstreamConnection connection) {
    }

    @Override
    public void onWritable(UpstreamConnection connection) {
    }

    @Override
    public void onFailure(UpstreamConnection connection, UpstreamFailure failure, Throwable cause) {
        upstream = null;
        end(false);
    }

    private void end(boolean success) {
        if (done) {
            return;
        }
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        attempts.ended(success);
        admission.close();
        cache.finish();
    }
}
