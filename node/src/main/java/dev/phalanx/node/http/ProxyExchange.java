package dev.phalanx.node.http;

import dev.phalanx.cluster.model.TimeoutsSpec;
import dev.phalanx.node.balancing.Pool;
import dev.phalanx.node.metrics.ExchangeObserver;
import dev.phalanx.node.metrics.ExchangeSummary;
import dev.phalanx.node.metrics.Meters;
import dev.phalanx.node.routing.Route;
import dev.phalanx.node.upstream.Endpoint;
import dev.phalanx.node.upstream.UpstreamConnection;
import dev.phalanx.node.upstream.UpstreamFailure;
import dev.phalanx.node.upstream.UpstreamListener;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetAddress;

/**
 * One request and its response: all per-request state in one typed object. Phases, in order (each a method):
 * {@link #start() accept} → match route → limit ({@link ExchangeLimit}, may wait for a lease) →
 * {@link #attempt() pick endpoint → acquire connection} →
 * {@link #onConnected forward} → {@link #onResponseHead relay response} → {@link #finish log}. Retries go back to
 * {@code attempt} while no response byte went downstream. Runs entirely on the downstream connection's event loop.
 */
public final class ProxyExchange implements UpstreamListener {
    private final ProxyContext context;
    private final ProxyHandler handler;
    private final ChannelHandlerContext ctx;
    private final HttpRequest request;
    private final ForwardingHeaders.Hop hop;
    private final long startNanos = System.nanoTime();
    private final ResponseWriter writer;
    private final RequestWriter requestWriter;
    /** The request's Content-Length, -1 without one. */
    private final long declaredLength;

    private RequestTarget target;
    private ForwardedRequest forwarded;
    private Route route;
    private Pool pool;
    private Endpoint endpoint;
    private UpstreamConnection upstream;
    private ExchangePick pick;
    private ExchangeLimit limit;

    private boolean keepAlive;
    private boolean http10;
    private boolean requestEnded;
    private boolean requestSent;
    private boolean responseHeadSeen;
    private boolean responseStarted;
    private boolean responseEnded;
    private boolean interim;
    private boolean dropInterim;
    private boolean continueSent;
    private boolean finished;
    private boolean waitingDownstream;
    private boolean upstreamKeepAlive;
    private int attempts;
    private int status;
    private int upstreamStatus;
    private long bytesIn;
    private long bytesOut;
    private long maxBody;
    private final UpstreamTimer timer = new UpstreamTimer(startNanos);
    private String error;

    ProxyExchange(ProxyContext context, ProxyHandler handler, ChannelHandlerContext ctx, HttpRequest request,
                  ForwardingHeaders.Hop hop) {
        this.context = context;
        this.handler = handler;
        this.ctx = ctx;
        this.request = request;
        this.hop = hop;
        this.writer = new ResponseWriter(ctx);
        this.declaredLength = HttpUtil.getContentLength(request, -1L);
        this.requestWriter = new RequestWriter(RequestWriter.bodyless(request, declaredLength, handler.onStream()));
    }

    // ---- phase: accept, match, limit ----

    void start() {
        http10 = request.protocolVersion() == io.netty.handler.codec.http.HttpVersion.HTTP_1_0;
        target = RequestTarget.of(request);
        forwarded = ForwardedRequest.of(context, request, hop);
        keepAlive = forwarded.clientKeepAlive();
        pick = new ExchangePick(request, target, forwarded.clientAddress());
        route = context.routes().get().match(target.host(), target.path(), request.method().name(), request.headers());
        if (route == null) {
            respondError(HttpResponseStatus.NOT_FOUND, "no route");
            return;
        }
        maxBody = route.maxBodyBytes(context.limits().maxBodyBytes());
        if (declaredLength > maxBody) {
            respondError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large");
            return;
        }
        if (route.spec().rateLimit() != null) {
            limit = new ExchangeLimit(context.limiter());
            ExchangeLimit.Outcome outcome = limit.check(route, forwarded.clientAddress(), request.headers(),
                    ctx.executor(), this::limitDecided);
            if (outcome == ExchangeLimit.Outcome.PARKED) {
                handler.pause(ProxyHandler.PAUSE_CONNECTING); // body held back as while connecting
                return;
            }
            if (outcome == ExchangeLimit.Outcome.REFUSED) {
                refuseLimited();
                return;
            }
        }
        forward();
    }

    private void forward() {
        if (forwarded.expectsContinue() && !requestEnded) {
            // route, body size and rate limit passed: now the client may send its body (a refused request never
            // made it send one); Expect is not forwarded, so the upstream does not answer 100 a second time
            continueSent = true;
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER), ctx.voidPromise());
        }
        forwarded.prepareUpstreamHead(context, route, target, route.spec().clientCertHeader() == null ? null
                : dev.phalanx.node.tls.ClientCertificates.subject(ctx.channel()));
        context.retryBudget().onRequest();
        attempt();
    }

    /** The parked exchange's answer, on its event loop. */
    private void limitDecided(boolean admitted) {
        if (finished) {
            return;
        }
        if (admitted) {
            forward();
        } else {
            refuseLimited();
        }
    }

    private void refuseLimited() {
        context.meters().rateLimited(route.id());
        respondError(HttpResponseStatus.TOO_MANY_REQUESTS, "rate limited");
    }

    // ---- phase: pick endpoint, acquire connection ----

    private void attempt() {
        pool = route.pickPool();
        endpoint = pool == null ? null : pool.pick(pick);
        if (endpoint == null) {
            respondError(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy endpoint");
            return;
        }
        attempts++;
        pick.tried(endpoint);
        endpoint.requestStarted();
        context.pools().forLoop(ctx.channel().eventLoop()).acquire(endpoint, timeouts().connect().toMillis(), this);
        if (upstream == null && !finished) {
            // a new connection is being opened: hold the client's body back until it is up (a pooled one came at once)
            handler.pause(ProxyHandler.PAUSE_CONNECTING);
        }
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
        if (requestWriter.begin(connection, forwarded.upstreamHead(connection.endpoint()))) {
            requestWentUp();
        }
        pauseIfUpstreamBusy();
        connection.flush();
        handler.resume(ProxyHandler.PAUSE_CONNECTING);
        handler.ensureTicking(); // timeouts: one ticker per busy connection, not a timer per request
    }

    boolean wantsRequestContent() {
        return !requestEnded;
    }

    void onRequestContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        bytesIn += content.content().readableBytes();
        if (last) {
            requestEnded = true;
        }
        if (finished || responseEnded) {
            content.release();
            return;
        }
        if (bytesIn > maxBody) {
            content.release();
            respondError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large");
            return;
        }
        if (upstream == null) {
            requestWriter.hold(content);
            return;
        }
        if (requestWriter.piece(upstream, content)) {
            requestWentUp();
        } else {
            timer.activity();
        }
        pauseIfUpstreamBusy();
    }

    private void requestWentUp() {
        requestSent = true;
        timer.requestSent();
    }

    private void pauseIfUpstreamBusy() {
        if (!upstream.isWritable()) {
            handler.pause(ProxyHandler.PAUSE_UPSTREAM_BUSY);
        }
    }

    void flushUpstream() {
        if (upstream != null) {
            upstream.flush();
        }
    }

    @Override
    public void onWritable(UpstreamConnection connection) {
        handler.resume(ProxyHandler.PAUSE_UPSTREAM_BUSY);
    }

    // ---- phase: relay response ----

    @Override
    public void onResponseHead(UpstreamConnection connection, HttpResponse response) {
        timer.activity();
        int code = response.status().code();
        if (code >= 100 && code < 200 && code != 101) {
            interim = true;
            dropInterim = code == 100 && continueSent; // the node sent its own 100 already
            if (!dropInterim) {
                ctx.write(response, ctx.voidPromise());
            }
            return;
        }
        responseHeadSeen = true;
        upstreamStatus = code;
        if (retryableStatus(code)) {
            connection.close();
            upstream = null;
            endAttempt(false);
            retryOrFail(HttpResponseStatus.valueOf(code), "upstream answered " + code);
            return;
        }
        status = code;
        int fields = HeaderScan.of(response.headers());
        upstreamKeepAlive = HeaderScan.keepAlive(fields, response.protocolVersion());
        if (code == 101 && !UpgradeRules.accepted(response.headers(), forwarded.upgradeOffered())) {
            // a switch to a protocol the request did not offer (or none offered): never tunnelled
            connection.close();
            upstream = null;
            endAttempt(false);
            respondError(HttpResponseStatus.BAD_GATEWAY, "upstream switched to a protocol that was not offered");
            return;
        }
        if (code == 101) {
            context.attempts().onAttempt(endpoint, true);
            upstream = null;
            responseStarted = true;
            Tunnel.splice(ctx, connection, response, context, this);
            return;
        }
        boolean close = !keepAlive || context.drain().isDraining() || !requestEnded;
        keepAlive = !DownstreamResponses.prepare(response, fields, route, request.method(), http10, close);
        if (limit != null) {
            limit.addHeaders(response.headers());
        }
        responseStarted = true;
        writer.head(response);
    }

    @Override
    public void onResponseContent(UpstreamConnection connection, HttpContent content, boolean last) {
        timer.activity();
        if (interim) {
            if (dropInterim) {
                content.release();
            } else {
                ctx.write(content, ctx.voidPromise());
            }
            interim = !last;
            return;
        }
        bytesOut += content.content().readableBytes();
        writer.content(content, last);
        if (!last) {
            return;
        }
        responseEnded = true;
        boolean reusable = requestSent && upstreamKeepAlive;
        endAttempt(upstreamStatus < 502 || upstreamStatus > 504);
        if (reusable) {
            connection.release();
        } else {
            connection.close();
        }
        upstream = null;
        ctx.flush();
        finish();
    }

    @Override
    public void onReadComplete(UpstreamConnection connection) {
        writer.endOfRead();
        ctx.flush();
        if (upstream == connection && !responseEnded && !ctx.channel().isWritable()) {
            waitingDownstream = true;
            connection.pauseReading();
        }
    }

    void onDownstreamWritable() {
        if (waitingDownstream && upstream != null) {
            waitingDownstream = false;
            upstream.resumeReading();
        }
    }

    // ---- failures, retries, timeouts ----

    @Override
    public void onFailure(UpstreamConnection connection, UpstreamFailure failure, Throwable cause) {
        if (finished || connection != upstream && upstream != null) {
            return;
        }
        upstream = null;
        endAttempt(false);
        if (responseStarted) {
            error = "upstream " + failure.condition() + " after the response started";
            handler.closeConnection();
            finish();
            return;
        }
        if (canRetry(failure.condition(),
                failure == UpstreamFailure.RESET && connection.reused() && !responseHeadSeen && !requestWriter.anySent())) {
            retry();
            return;
        }
        respondError(failure == UpstreamFailure.TIMEOUT ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
                "upstream " + failure.condition());
    }

    /** An upstream status in the route's retry conditions: retry if allowed, else pass the status on as an error. */
    private void retryOrFail(HttpResponseStatus upstreamStatus, String reason) {
        if (canRetry(Integer.toString(upstreamStatus.code()), false)) { // retryableStatus checked the rest
            retry();
            return;
        }
        respondError(upstreamStatus, reason);
    }

    private void retry() {
        responseHeadSeen = false;
        requestSent = false;
        context.meters().upstreamRetry(pool.id());
        attempt();
    }

    private boolean retryableStatus(int code) {
        return RetryRules.retryableStatus(route.spec().retries(), code, attempts, forwarded.idempotent(),
                requestWriter.replayable());
    }

    private boolean canRetry(String condition, boolean staleConnection) {
        if (!RetryRules.allowed(route.spec().retries(), condition, staleConnection, attempts, forwarded.idempotent(),
                requestWriter.replayable())) {
            return false;
        }
        if (!context.retryBudget().tryAcquireRetry()) {
            context.meters().retryBudgetExhausted(pool.id());
            return false;
        }
        return true;
    }

    private void endAttempt(boolean success) {
        if (endpoint != null) {
            endpoint.requestEnded();
            context.attempts().onAttempt(endpoint, success);
        }
    }


    /** Called by the connection's ticker every {@link ProxyHandler#TICK_MILLIS} ms while this exchange runs. */
    void onTick(long now) {
        if (finished || upstream == null) {
            return;
        }
        if (timer.expired(now, timeouts(), requestSent, requestSent && !responseHeadSeen)) {
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
        if (responseStarted) {
            handler.closeConnection();
            finish();
            return;
        }
        status = s.code();
        error = reason;
        boolean close = !requestEnded || !keepAlive || context.drain().isDraining();
        keepAlive = !close;
        FullHttpResponse r = ErrorResponses.json(ctx.alloc(), s, reason, forwarded == null ? null : forwarded.requestId(),
                close);
        if (limit != null) {
            limit.addHeaders(r.headers()); // the 429, or an error after the request was admitted
        }
        ctx.writeAndFlush(r);
        responseStarted = true;
        responseEnded = true;
        finish();
    }

    void onDownstreamClosed() {
        if (finished) {
            return;
        }
        if (!responseEnded) {
            status = 499;
            error = "downstream closed";
        }
        if (upstream != null) {
            UpstreamConnection c = upstream;
            upstream = null;
            c.close();
            endAttempt(true);
        }
        keepAlive = false;
        finish();
    }

    /** Called by the tunnel when an upgraded connection ended. */
    void tunnelEnded(long in, long out) {
        endpoint.requestEnded();
        bytesIn += in;
        bytesOut += out;
        responseEnded = true;
        requestEnded = true;
        keepAlive = false;
        finish();
    }

    private void finish() {
        if (finished) {
            return;
        }
        if (!responseEnded && !(status == 499 || error != null)) {
            return;
        }
        finished = true;
        if (limit != null) {
            limit.cancel();
        }
        requestWriter.release();
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
        long duration = System.nanoTime() - startNanos;
        context.meters().route(route == null ? Meters.NO_ROUTE : route.id()).record(status == 0 ? 502 : status, duration);
        if (context.observer() != ExchangeObserver.NONE) {
            context.observer().completed(summary(duration));
        }
        handler.exchangeDone(this, keepAlive && requestEnded);
    }

    // ---- what observers see ----

    /** A snapshot of the finished exchange for the access log (built only when someone listens). */
    private ExchangeSummary summary(long durationNanos) {
        long startMillis = System.currentTimeMillis() - durationNanos / 1_000_000; // one wall-clock read, when logged
        return new ExchangeSummary(startMillis, context.listenerName(),
                forwarded == null ? null : forwarded.requestId(),
                forwarded == null ? null : forwarded.clientAddress(), request.method().name(),
                target == null ? null : target.host(), target == null ? request.uri() : target.originForm(),
                handler.protocol(http10), status, bytesIn, bytesOut, durationNanos,
                route == null ? null : route.id(), pool == null ? null : pool.id(),
                endpoint == null ? null : endpoint.address(), upstreamStatus, attempts,
                request.headers().get(HttpHeaderNames.USER_AGENT), error);
    }
}
