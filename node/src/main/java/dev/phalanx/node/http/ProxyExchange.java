package dev.phalanx.node.http;

import dev.phalanx.cluster.model.TimeoutsSpec;
import dev.phalanx.node.routing.Route;
import dev.phalanx.node.tls.ClientCertificates;
import dev.phalanx.node.upstream.Endpoint;
import dev.phalanx.node.upstream.UpstreamConnection;
import dev.phalanx.node.upstream.UpstreamFailure;
import dev.phalanx.node.upstream.UpstreamListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * One request and its response: all per-request state in one typed object. Phases, in order (each a method):
 * {@link #start() accept} → match route → limit ({@link ExchangeLimit}, may wait for a lease) →
 * {@link #attempt() pick endpoint → acquire connection} →
 * {@link #onConnected forward} → {@link #onResponseHead responseRelay response} → {@link #finish log}. Retries go back to
 * {@code attempt} while no response byte went downstream ({@link ExchangeRetries} decides). Runs entirely on the
 * downstream connection's event loop; talks to that connection only through {@link ExchangeHost}.
 */
public final class ProxyExchange implements UpstreamListener {
    private final ProxyContext context;
    private final ExchangeHost host;
    private final ChannelHandlerContext ctx;
    private final HttpRequest request;
    private final ForwardingHeaders.Hop hop;
    private final long startNanos = System.nanoTime();
    private final RequestRelay requestRelay;
    private final UpstreamTimer timer = new UpstreamTimer(startNanos);
    /** The request's Content-Length, -1 without one. */
    private final long declaredLength;
    private final boolean http10;

    private RequestTarget target;
    private ForwardedRequest forwarded;
    private Route route;
    private UpstreamConnection upstream;
    private ExchangePick pick;
    private ExchangeLimit limit;
    private ExchangeAttempts attempts;
    private ExchangeAdmission admission;
    /** The route's cache in this exchange; null when the route (or the node) has none. */
    private ExchangeCache cache;
    private final ResponseRelay responseRelay;

    /** Whether the client connection may carry another request after this one. */
    private boolean keepAlive;
    /** The current attempt's upstream answered a final response head. */
    private boolean headReceived;
    private boolean finished;
    private boolean upstreamKeepAlive;
    private int status;
    private int upstreamStatus;
    private String error;

    ProxyExchange(ProxyContext context, ExchangeHost host, ChannelHandlerContext ctx, HttpRequest request,
                  ForwardingHeaders.Hop hop) {
        this.context = context;
        this.host = host;
        this.ctx = ctx;
        this.request = request;
        this.hop = hop;
        this.responseRelay = new ResponseRelay(ctx);
        this.declaredLength = HttpUtil.getContentLength(request, -1L);
        this.requestRelay = new RequestRelay(host, timer,
                new RequestWriter(RequestWriter.bodyless(request, declaredLength, host.onStream())));
        this.http10 = request.protocolVersion() == HttpVersion.HTTP_1_0;
    }

    // ---- phase: accept, match, limit ----

    void start() {
        target = RequestTarget.of(request);
        forwarded = ForwardedRequest.of(context, request, hop);
        keepAlive = forwarded.clientKeepAlive();
        pick = new ExchangePick(request, target, forwarded.clientAddress());
        route = context.routes().get().match(target.host(), target.path(), request.method().name(), request.headers());
        if (route == null) {
            respondError(HttpResponseStatus.NOT_FOUND, "no route");
            return;
        }
        if (route.cache() != null && context.cache() != null) {
            cache = new ExchangeCache(context.cache(), route.cache(), context.meters(), route.id(), request,
                    context.scheme(), target);
        }
        long maxBody = route.maxBodyBytes(context.limits().maxBodyBytes());
        requestRelay.maxBody(maxBody);
        if (declaredLength > maxBody) {
            respondError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large");
            return;
        }
        if (route.spec().rateLimit() != null) {
            limit = new ExchangeLimit(context.limiter());
            ExchangeLimit.Outcome outcome = limit.check(route, forwarded.clientAddress(), request.headers(),
                    ctx.executor(), this::limitDecided);
            if (outcome == ExchangeLimit.Outcome.PARKED) {
                host.pause(PauseReason.RATE_LIMIT); // the body waits with the request
                return;
            }
            if (outcome == ExchangeLimit.Outcome.REFUSED) {
                refuseLimited();
                return;
            }
        }
        forward();
    }

    /** The parked exchange's answer, on its event loop. */
    private void limitDecided(boolean admitted) {
        if (finished) {
            return;
        }
        if (admitted) {
            forward(); // pauses for CONNECTING first when it opens a connection, so reading does not flicker on
            host.resume(PauseReason.RATE_LIMIT);
        } else {
            refuseLimited();
        }
    }

    private void refuseLimited() {
        context.meters().rateLimited(route.id());
        respondError(HttpResponseStatus.TOO_MANY_REQUESTS, "rate limited");
    }

    private void forward() {
        if (cache != null && !cacheLetsThrough()) {
            return;
        }
        if (forwarded.expectsContinue() && !requestRelay.ended()) {
            // route, body size and rate limit passed: now the client may send its body (a refused request never
            // made it send one); Expect is not forwarded, so the upstream does not answer 100 a second time
            responseRelay.sendContinue();
        }
        forwarded.prepareUpstreamHead(context, route, target, route.spec().clientCertHeader() == null ? null
                : ClientCertificates.subject(ctx.channel()));
        admission = new ExchangeAdmission(context.pools(), ctx.channel().eventLoop());
        attempts = new ExchangeAttempts(context, route, pick, forwarded.idempotent(), admission);
        attempt();
    }

    /** @return true when the request goes upstream; else the cache answered it, refused it, or it waits (coalesced) */
    private boolean cacheLetsThrough() {
        ExchangeCache.Lookup next = cache.lookup(ctx.executor(), () -> {
            if (!finished) {
                forward(); // the request it waited for ended: look up again
            }
        });
        if (next == ExchangeCache.Lookup.SERVE) {
            ExchangeCache refresh = cache.refresh(); // stale-while-revalidate: refresh in the background, once
            serveStored();
            if (refresh != null) {
                forwarded.prepareUpstreamHead(context, route, target, null);
                CacheRefresh.start(context, route, pick, ctx, forwarded, refresh);
            }
        } else if (next == ExchangeCache.Lookup.ONLY_IF_CACHED) {
            respondError(HttpResponseStatus.GATEWAY_TIMEOUT, "not in the cache (only-if-cached)");
        }
        return next == ExchangeCache.Lookup.FORWARD;
    }

    /** Answers from the cache: the stored head prepared like any response, the body streamed with backpressure. */
    private void serveStored() {
        StoredReply reply = cache.reply(route.compression());
        HttpResponse head = reply.head();
        boolean close = !keepAlive || context.drain().isDraining() || !requestRelay.complete();
        keepAlive = !DownstreamResponses.prepare(head, HeaderScan.of(head.headers()), route, request.method(), http10,
                close);
        status = head.status().code();
        if (limit != null) {
            limit.addHeaders(head.headers());
        }
        if (responseRelay.stored(head, reply.body())) {
            finish();
        }
    }

    // ---- phase: pick endpoint, acquire connection ----

    private void attempt() {
        Endpoint endpoint = attempts.next();
        if (endpoint == null) {
            respondError(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy endpoint");
            return;
        }
        admitted(admission.enter(endpoint, timeouts().connect().toMillis(), this, this::queueWoken,
                this::queueTimedOut));
    }

    /** The endpoint's caps let the attempt go on, queued it, or the queue refused it ({@link ExchangeAdmission}). */
    private void admitted(ExchangeAdmission.Result result) {
        switch (result) {
            // a new connection is being opened, or the request waits for a slot: hold the client's body back
            // until a connection is up (a pooled one came at once)
            case ADMITTED, QUEUED -> {
                if (upstream == null && !finished) {
                    host.pause(PauseReason.CONNECTING);
                }
            }
            case FULL -> refuseQueued("full");
            case TIMEOUT -> refuseQueued("timeout");
        }
    }

    private void queueWoken() {
        if (!finished) {
            admitted(admission.retry(timeouts().connect().toMillis(), this));
        }
    }

    private void queueTimedOut() {
        admission.timedOut();
        if (!finished) {
            refuseQueued("timeout");
        }
    }

    private void refuseQueued(String reason) {
        context.meters().upstreamQueueRejected(attempts.pool().id(), reason);
        respondError(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream queue " + reason, true);
    }

    // ---- phase: forward ----

    @Override
    public void onConnected(UpstreamConnection connection) {
        if (finished) {
            connection.close();
            return;
        }
        upstream = connection;
        timer.activity();
        requestRelay.begin(connection, forwarded.upstreamHead(connection.endpoint()));
        connection.flush();
        host.resume(PauseReason.CONNECTING);
        host.ensureTicking(); // timeouts: one ticker per busy connection, not a timer per request
    }

    boolean wantsRequestContent() {
        return !requestRelay.ended();
    }

    void onRequestContent(HttpContent content) {
        boolean discard = finished || responseRelay.state() == ResponseState.ENDED;
        if (!requestRelay.content(content, upstream, discard)) {
            respondError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large");
        }
    }

    void flushUpstream() {
        if (upstream != null) {
            upstream.flush();
        }
    }

    @Override
    public void onWritable(UpstreamConnection connection) {
        host.resume(PauseReason.UPSTREAM_BUSY);
    }

    // ---- phase: responseRelay response ----

    @Override
    public void onResponseHead(UpstreamConnection connection, HttpResponse head) {
        timer.activity();
        if (responseRelay.interimHead(head)) {
            return;
        }
        int code = head.status().code();
        headReceived = true;
        upstreamStatus = code;
        // the code test first: a 2xx head costs no retry bookkeeping
        if (RetryRules.retryableCode(code) && attempts.retryStatus(code, requestRelay.writer().replayable())) {
            abandonAttempt(connection);
            retry();
            return;
        }
        ExchangeCache.Head use = cache == null ? ExchangeCache.Head.RELAY : cache.onResponseHead(head, ctx.alloc());
        if (use == ExchangeCache.Head.SERVE_NOW) { // a 5xx, and a stale object may answer instead (stale-if-error)
            abandonAttempt(connection);
            serveStored();
            return;
        }
        status = code;
        int fields = HeaderScan.of(head.headers());
        upstreamKeepAlive = HeaderScan.keepAlive(fields, head.protocolVersion());
        if (use == ExchangeCache.Head.SERVE_AFTER_BODY) { // a 304 renewed the stored object
            responseRelay.discardBody();
            return;
        }
        if (code == 101) {
            if (!UpgradeRules.accepted(head.headers(), forwarded.upgradeOffered())) {
                // a switch to a protocol the request did not offer (or none offered): never tunnelled
                abandonAttempt(connection);
                respondError(HttpResponseStatus.BAD_GATEWAY, "upstream switched to a protocol that was not offered");
                return;
            }
            attempts.tunnelStarted();
            upstream = null;
            responseRelay.tunnelled();
            Tunnel.splice(ctx, connection, head, context, this);
            return;
        }
        ResponseCompression compression = ResponseCompression.begin(route.compression(), request, head, ctx.alloc());
        boolean close = !keepAlive || context.drain().isDraining() || !requestRelay.ended();
        keepAlive = !DownstreamResponses.prepare(head, compression == null ? fields
                : fields & ~HeaderScan.CONTENT_LENGTH, route, request.method(), http10, close);
        if (limit != null) {
            limit.addHeaders(head.headers());
        }
        responseRelay.head(head, compression, cache);
    }

    @Override
    public void onResponseContent(UpstreamConnection connection, HttpContent content, boolean last) {
        timer.activity();
        if (responseRelay.interimContent(content, last)) {
            return;
        }
        responseRelay.content(content, last);
        if (!last) {
            return;
        }
        boolean reusable = requestRelay.sent() && upstreamKeepAlive;
        attempts.ended(!RetryRules.retryableCode(upstreamStatus)); // a 502-504 counts against the endpoint
        if (reusable) {
            connection.release();
        } else {
            connection.close();
        }
        upstream = null;
        if (responseRelay.discarding()) {
            serveStored();
            return;
        }
        finish();
    }

    @Override
    public void onReadComplete(UpstreamConnection connection) {
        responseRelay.readComplete(connection, upstream == connection);
    }

    void onDownstreamWritable() {
        if (responseRelay.downstreamWritable(upstream)) {
            finish(); // a stored body went to its end
        }
    }

    // ---- failures, retries, timeouts ----

    @Override
    public void onFailure(UpstreamConnection connection, UpstreamFailure failure, Throwable cause) {
        if (finished || connection != upstream && upstream != null) {
            return;
        }
        upstream = null;
        attempts.ended(false);
        if (responseRelay.state().started()) {
            error = "upstream " + failure.condition() + " after the response started";
            host.closeConnection();
            finish();
            return;
        }
        boolean stale = failure == UpstreamFailure.RESET && connection.reused() && !headReceived
                && !requestRelay.writer().anySent();
        if (stale) {
            admission.staleConnection(connection); // its idle peers went idle before it: most likely dead too
        }
        HttpResponseStatus answer = attempts.afterFailure(failure, stale, requestRelay.writer().replayable());
        if (answer == null) {
            retry();
        } else {
            respondError(answer, "upstream " + failure.condition());
        }
    }

    /** Drops the current attempt's connection (its answer is not used) and counts the attempt as failed. */
    private void abandonAttempt(UpstreamConnection connection) {
        connection.close();
        upstream = null;
        attempts.ended(false);
    }

    private void retry() {
        headReceived = false;
        requestRelay.retrying();
        attempts.retrying();
        attempt();
    }

    /** Called by the connection's ticker every {@link ProxyHandler#TICK_MILLIS} ms while this exchange runs. */
    void onTick(long now) {
        if (finished || upstream == null) {
            return;
        }
        boolean sent = requestRelay.sent();
        if (timer.expired(now, timeouts(), sent, sent && !headReceived)) {
            UpstreamConnection c = upstream;
            c.close();
            onFailure(c, UpstreamFailure.TIMEOUT, null);
        }
    }

    private TimeoutsSpec timeouts() {
        return route.spec().timeouts();
    }

    // ---- endings ----

    private void respondError(HttpResponseStatus s, String reason) {
        respondError(s, reason, false);
    }

    private void respondError(HttpResponseStatus s, String reason, boolean retryAfter) {
        if (responseRelay.state().started()) {
            host.closeConnection();
            finish();
            return;
        }
        if (cache != null && cache.staleOnError(s.code())) {
            serveStored(); // its Cache-Status (and access-log field) says why
            return;
        }
        status = s.code();
        error = reason;
        boolean close = !requestRelay.ended() || !keepAlive || context.drain().isDraining();
        keepAlive = !close;
        FullHttpResponse r = ErrorResponses.json(ctx.alloc(), s, reason, forwarded == null ? null : forwarded.requestId(),
                close);
        if (limit != null) {
            limit.addHeaders(r.headers()); // the 429, or an error after the request was admitted
        }
        if (retryAfter) {
            r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        ctx.writeAndFlush(r);
        responseRelay.ended();
        finish();
    }

    void onDownstreamClosed() {
        if (finished) {
            return;
        }
        if (responseRelay.state() != ResponseState.ENDED) {
            status = 499;
            error = "downstream closed";
        }
        if (upstream != null) {
            UpstreamConnection c = upstream;
            upstream = null;
            c.close();
            attempts.ended(true);
        }
        keepAlive = false;
        finish();
    }

    /** Called by the tunnel when an upgraded connection ended. */
    void tunnelEnded(long in, long out) {
        attempts.tunnelEnded();
        requestRelay.tunnelEnded(in);
        responseRelay.tunnelEnded(out);
        keepAlive = false;
        finish();
    }

    private void finish() {
        if (finished) {
            return;
        }
        if (responseRelay.state() != ResponseState.ENDED && !(status == 499 || error != null)) {
            return;
        }
        finished = true;
        if (limit != null) {
            limit.cancel();
        }
        if (admission != null) {
            admission.close(); // the request slot and a place in the queue, on every path, once
        }
        requestRelay.writer().release();
        responseRelay.release();
        if (cache != null) {
            cache.finish();
        }
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
        new ExchangeReport(context, request, startNanos, http10).report(host, status, upstreamStatus, error, target,
                forwarded, route, attempts, requestRelay, responseRelay, cache == null ? null : cache.status());
        host.exchangeDone(this, keepAlive && requestRelay.complete());
    }
}
