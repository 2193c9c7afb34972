package dev.phalanx.node.admin;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

/**
 * Answers the admin calls (docs/contract.md#admin-api) on the admin event loop: token check first, then the path,
 * then the method. Every answer is a complete response with {@code Content-Length} (but the 204 of
 * {@code POST /vrrp}); HEAD gets GET's headers and no body.
 * The model is called right here, on the admin loop (see {@link AdminModel}).
 */
@Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final System.Logger LOG = System.getLogger(AdminHandler.class.getName());
    static final String TEXT = "text/plain; charset=utf-8";
    static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
    static final String JSON = "application/json";
    static final String PURGE = "/cache/purge";

    /** An admin call: its method (GET calls also answer HEAD) and what it answers. */
    private record Call(HttpMethod method, BiFunction<AdminHandler, FullHttpRequest, Answer> answer) {
        String allow() {
            return method == HttpMethod.GET ? "GET, HEAD" : method.name();
        }
    }

    /** Status, content type and body of an answer, before it becomes a response. */
    record Answer(HttpResponseStatus status, String contentType, String body) {
    }

    private static final Map<String, Call> CALLS = Map.of(
            "/healthz", new Call(HttpMethod.GET, (h, r) -> h.healthz()),
            "/readyz", new Call(HttpMethod.GET, (h, r) -> h.readyz()),
            "/metrics", new Call(HttpMethod.GET, (h, r) -> ok(PROMETHEUS, h.model.metrics())),
            "/config", new Call(HttpMethod.GET, (h, r) -> ok(JSON, h.model.configJson())),
            "/cluster", new Call(HttpMethod.GET, (h, r) -> ok(JSON, h.model.clusterJson())),
            "/drain", new Call(HttpMethod.POST, (h, r) -> h.drain()),
            "/vrrp", new Call(HttpMethod.POST, AdminHandler::vrrp));

    private final AdminModel model;
    private final BearerAuth auth;
    private final AtomicBoolean drainStarted = new AtomicBoolean();

    AdminHandler(AdminModel model, BearerAuth auth) {
        this.model = model;
        this.auth = auth;
    }

    boolean tokenRequired() {
        return auth.tokenRequired();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            send(ctx, request, error(HttpResponseStatus.BAD_REQUEST, "malformed request"), false);
            return;
        }
        FullHttpResponse response;
        if (!auth.allows(peerAddress(ctx.channel().remoteAddress()),
                request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            response = respond(request, error(HttpResponseStatus.UNAUTHORIZED,
                    "this admin call needs the header Authorization: Bearer <admin.token>"));
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"phalanx-admin\"");
        } else {
            response = dispatch(ctx, request);
        }
        if (response != null) { // null: answered later (a purge)
            send(ctx, request, response, HttpUtil.isKeepAlive(request));
        }
    }

    private FullHttpResponse dispatch(ChannelHandlerContext ctx, FullHttpRequest request) {
        String uri = request.uri();
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        if (path.equals(PURGE)) {
            return purge(ctx, request);
        }
        Call call = CALLS.get(path);
        if (call == null) {
            return respond(request, error(HttpResponseStatus.NOT_FOUND,
                    "no such admin call; the calls are GET /healthz, /readyz, /metrics, /config, /cluster and POST /drain,"
                            + " /vrrp, /cache/purge"));
        }
        HttpMethod method = request.method();
        if (!method.equals(call.method()) && !(call.method() == HttpMethod.GET && method.equals(HttpMethod.HEAD))) {
            FullHttpResponse response = respond(request, error(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "method " + method.name() + " not allowed here; use " + call.allow()));
            response.headers().set(HttpHeaderNames.ALLOW, call.allow());
            return response;
        }
        Answer answer;
        try {
            answer = call.answer().apply(this, request);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "admin " + method.name() + " " + uri + " failed", e);
            answer = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the node failed to answer; see its log");
        }
        return respond(request, answer);
    }

    /**
     * {@code ok}; while draining {@code draining: <phase>} (200 in {@code closing}, when the node still holds its
     * VIPs, 503 from {@code releasing} on); {@code starting} (503) before the first config.
     */
    private Answer healthz() {
        String phase = model.drainPhase();
        String text = model.draining() ? (phase == null ? "draining" : "draining: " + phase) : "starting";
        if (model.serving()) {
            return ok(TEXT, model.draining() ? text : "ok");
        }
        return new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, TEXT, text);
    }

    private Answer readyz() {
        ReadyState state = model.ready();
        String sync = model.configSync();
        String note = sync == null ? "" : "\n" + sync;
        return state.ready() ? ok(TEXT, "ready" + note)
                : new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, TEXT, String.join("\n", state.reasons()) + note);
    }

    /** Starts the drain once; later posts (and posts after a drain started elsewhere) only confirm it. */
    private Answer drain() {
        if (!model.draining() && drainStarted.compareAndSet(false, true)) {
            LOG.log(Level.INFO, "drain requested through the admin API");
            model.startDrain();
        }
        return new Answer(HttpResponseStatus.ACCEPTED, TEXT, "draining");
    }

    /**
     * {@code POST /cache/purge}: 400 naming the field when the body is wrong; otherwise the purge goes out and the
     * answer is sent when the node's purge completes (every node acknowledged, or the timeout). Nothing here waits:
     * the connection reads nothing more until the answer is written.
     */
    private FullHttpResponse purge(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.method().equals(HttpMethod.POST)) {
            FullHttpResponse response = respond(request, error(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "method " + request.method().name() + " not allowed here; use POST"));
            response.headers().set(HttpHeaderNames.ALLOW, "POST");
            return response;
        }
        PurgeRequest purge;
        try {
            purge = PurgeRequest.parse(request.content().toString(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return respond(request, error(HttpResponseStatus.BAD_REQUEST, e.getMessage()));
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpVersion version = request.protocolVersion();
        ctx.channel().config().setAutoRead(false);
        java.util.concurrent.CompletableFuture<String> answer;
        try {
            answer = model.purge(purge.purge(), purge.timeout());
        } catch (RuntimeException e) {
            answer = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((json, failure) -> ctx.executor().execute(() -> {
            Answer a;
            if (failure == null) {
                a = ok(JSON, json + "\n");
            } else {
                Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                LOG.log(Level.WARNING, "purge " + purge.purge() + " failed: " + cause);
                a = error(HttpResponseStatus.SERVICE_UNAVAILABLE, "purge failed: " + cause.getMessage());
            }
            FullHttpResponse response = respond(HttpMethod.POST, a);
            HttpUtil.setKeepAlive(response.headers(), version, keepAlive);
            if (keepAlive) {
                ctx.writeAndFlush(response, ctx.voidPromise());
                ctx.channel().config().setAutoRead(true);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }));
        return null;
    }

    /** keepalived's notify script: 204 when kept, 400 naming the field when the body is wrong. */
    private Answer vrrp(FullHttpRequest request) {
        VrrpReport report;
        try {
            report = VrrpReport.parse(request.content().toString(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return error(HttpResponseStatus.BAD_REQUEST, e.getMessage());
        }
        if (!model.reportVrrp(report)) {
            return error(HttpResponseStatus.BAD_REQUEST, "instance: \"" + report.instance() + "\" would be one more"
                    + " than the " + VrrpStates.MAX_INSTANCES + " VRRP instances this node keeps");
        }
        return new Answer(HttpResponseStatus.NO_CONTENT, TEXT, "");
    }

    private static Answer ok(String contentType, String body) {
        return new Answer(HttpResponseStatus.OK, contentType, body);
    }

    /** Errors are one JSON line like the proxy's own: {@code {"status": N, "error": "..."}}. */
    static Answer error(HttpResponseStatus status, String message) {
        // messages may quote what a caller sent (a /vrrp field): escaped
        String escaped = new String(JsonStringEncoder.getInstance().quoteAsString(message));
        return new Answer(status, JSON, "{\"status\": " + status.code() + ", \"error\": \"" + escaped + "\"}\n");
    }

    private static FullHttpResponse respond(FullHttpRequest request, Answer answer) {
        return respond(request.method(), answer);
    }

    private static FullHttpResponse respond(HttpMethod method, Answer answer) {
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        boolean head = method.equals(HttpMethod.HEAD);
        ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, answer.status(), content);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (answer.status().code() != HttpResponseStatus.NO_CONTENT.code()) { // 204: no body, no Content-Length
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        }
        return response;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, Answer answer, boolean keepAlive) {
        send(ctx, request, respond(request, answer), keepAlive);
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response,
                             boolean keepAlive) {
        HttpUtil.setKeepAlive(response.headers(), request.protocolVersion(), keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static java.net.InetAddress peerAddress(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // read timeouts and peers that reset: nothing to answer, just let the connection go
        LOG.log(Level.DEBUG, "admin connection " + ctx.channel().remoteAddress() + " closed: " + cause);
        ctx.close();
    }
}
