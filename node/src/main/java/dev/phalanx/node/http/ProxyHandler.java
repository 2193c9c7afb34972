package dev.phalanx.node.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.ArrayDeque;

/**
 * The downstream connection's proxy handler: runs one {@link ProxyExchange} at a time, holds pipelined requests back
 * until the one in progress ended (HTTP/1.1 answers in order), and decides when to read from the client.
 *
 * <p>Reading is paused while any {@link PauseReason} holds (a bit each): the upstream cannot take more body,
 * pipelined requests are waiting, the upstream connection is not open yet, or the request waits for a rate-limit
 * lease. Auto-read is on exactly when no reason holds. The exchange sees this handler as its {@link ExchangeHost}.
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter implements ExchangeHost {

    /** How often a busy connection checks its exchange's timeouts: their precision. */
    static final long TICK_MILLIS = 20;
    private static final long TICK_LINGER_NANOS = 1_000_000_000L;
    private static final long NOT_QUIET = Long.MIN_VALUE;

    /** Set on a downstream connection by the PROXY protocol handler: the client address it gave (trusted peers). */
    public static final AttributeKey<InetSocketAddress> PROXIED_SOURCE = AttributeKey.valueOf("phalanx.proxiedSource");

    private final ProxyContext context;
    /** On an HTTP/2 stream (one request per channel, the connection is the parent) rather than an HTTP/1 connection. */
    private final boolean stream;
    private final ArrayDeque<HttpObject> queued = new ArrayDeque<>(4);
    private ChannelHandlerContext ctx;
    private ProxyExchange current;
    private int pauseReasons;
    private InetSocketAddress proxiedSource;
    private ForwardingHeaders.Hop hop;
    private boolean closed;
    private ScheduledFuture<?> ticker;
    private long lastBusyNanos;
    /** Drain sweeps: something was read since the last sweep; when a sweep first found the connection quiet. */
    private boolean readSeen;
    private long quietSince = NOT_QUIET;

    public ProxyHandler(ProxyContext context) {
        this(context, false);
    }

    private ProxyHandler(ProxyContext context, boolean stream) {
        this.context = context;
        this.stream = stream;
    }

    /**
     * The handler of one HTTP/2 stream child channel: it runs the stream's one exchange. What is about the
     * connection (keep-alive, pipelining, {@code Connection: close}, idle and drain) is left to the HTTP/2 connection;
     * when the exchange ends before the request did (an early error response), the stream is reset.
     */
    public static ProxyHandler forStream(ProxyContext context) {
        return new ProxyHandler(context, true);
    }

    @Override
    public boolean onStream() {
        return stream;
    }

    @Override
    public String protocol(boolean http10) {
        return stream ? "HTTP/2.0" : http10 ? "HTTP/1.0" : "HTTP/1.1";
    }

    /** The client address a PROXY protocol header gave (trusted peers only), or null. */
    public void proxiedSource(InetSocketAddress source) {
        this.proxiedSource = source;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject obj)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (current != null || !queued.isEmpty()) {
            if (current != null && queued.isEmpty() && !(msg instanceof HttpRequest) && current.wantsRequestContent()) {
                current.onRequestContent((HttpContent) msg);
                return;
            }
            queued.add(obj);
            pause(PauseReason.QUEUED);
            return;
        }
        if (msg instanceof HttpRequest request) {
            startExchange(request);
        } else {
            // body of a request already answered (and closed), nothing to do with it
            ReferenceCountUtil.release(msg);
        }
    }

    private void startExchange(HttpRequest request) {
        if (hop == null) {
            // once per connection, after a PROXY protocol header (which comes before the first request)
            if (proxiedSource == null) {
                Channel connection = stream ? ctx.channel().parent() : ctx.channel();
                proxiedSource = connection.attr(PROXIED_SOURCE).get();
            }
            hop = ForwardingHeaders.Hop.of(peerAddress(), proxiedSource, context.trustedProxies(), context.tls());
        }
        current = new ProxyExchange(context, this, ctx, request, hop);
        current.start();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        readSeen = true; // every read cycle, even one that only fed the decoder part of a head (drain sweeps)
        if (current != null) {
            current.flushUpstream();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null && ctx.channel().isWritable()) {
            current.onDownstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Starts the connection's ticker when it is not running. It keeps running while requests keep coming (so a busy
     * keep-alive connection schedules nothing per request) and stops a second after the connection went quiet.
     */
    @Override
    public void ensureTicking() {
        if (ticker == null && !closed) {
            ticker = ctx.executor().scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void tick() {
        long now = System.nanoTime();
        if (current != null) {
            lastBusyNanos = now;
            current.onTick(now);
        } else if (closed || now - lastBusyNanos > TICK_LINGER_NANOS) {
            stopTicking();
        }
    }

    private void stopTicking() {
        if (ticker != null) {
            ticker.cancel(false);
            ticker = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        stopTicking();
        if (current != null) {
            ProxyExchange ex = current;
            current = null;
            ex.onDownstreamClosed();
        }
        releaseQueued();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (current == null) {
                context.meters().downstreamClosed("idle");
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // I/O errors of the downstream socket (reset by peer...): the exchange learns it through channelInactive
        ctx.close();
    }

    @Override
    public void exchangeDone(ProxyExchange ex, boolean keepAlive) {
        if (current != ex) {
            return;
        }
        current = null;
        if (stream) {
            // one exchange per stream: the stream closes by itself once both sides ended it; an exchange that ended
            // before its request did (an early error response) resets it so that the client stops sending
            closed = true;
            stopTicking();
            if (ex.wantsRequestContent()) {
                // RFC 9113 §8.1: a complete response, then RST_STREAM NO_ERROR asks the client to stop sending
                Http2StreamAdapter adapter = ctx.pipeline().get(Http2StreamAdapter.class);
                if (adapter != null) {
                    adapter.resetAfterResponse();
                } else {
                    ctx.close();
                }
            }
            return;
        }
        // the response already told the client: only a response that said Connection: close ends the connection
        // here. One that went out keep-alive just before a drain started leaves it open (the client may be sending
        // its next request on it right now); the drain's sweeps close it if it stays idle.
        if (!keepAlive) {
            closed = true;
            releaseQueued();
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        resumeAll(PauseReason.UPSTREAM_BUSY.bit | PauseReason.CONNECTING.bit | PauseReason.RATE_LIMIT.bit);
        if (!queued.isEmpty()) {
            drainQueue();
        }
    }

    /** Replays pipelined requests that arrived while the previous exchange ran. */
    private void drainQueue() {
        HttpObject next;
        while (current == null && (next = queued.poll()) != null) {
            if (next instanceof HttpRequest request) {
                startExchange(request);
            } else {
                ReferenceCountUtil.release(next);
            }
        }
        while (current != null && current.wantsRequestContent() && !queued.isEmpty()
                && !(queued.peek() instanceof HttpRequest)) {
            current.onRequestContent((HttpContent) queued.poll());
        }
        if (current != null) {
            current.flushUpstream(); // replayed outside a read cycle: no channelReadComplete will flush it
        }
        if (queued.isEmpty()) {
            resume(PauseReason.QUEUED);
        }
    }

    /**
     * One drain sweep over this HTTP/1 connection (event loop only). A connection with a request in progress, or
     * that read anything since the last sweep (perhaps the first bytes of a request head the decoder still holds),
     * is busy: its response will carry {@code Connection: close} and it closes after it, so the client knows
     * before it could reuse it. A connection first seen quiet is only closed once it stayed quiet for
     * {@code idleCloseNanos}: a client that just got a response is the one most likely to send its next request
     * right now, and a request crossing our FIN on the wire is lost to a client that does not retry; after a
     * quiet while that race is unlikely, and the FIN tells the client's pool the connection is gone before it
     * picks it again. 0 closes quiet connections at once.
     */
    public DrainCheck drainCheck(long nowNanos, long idleCloseNanos) {
        if (closed || !ctx.channel().isActive()) {
            return DrainCheck.CLOSED;
        }
        if (current != null || !queued.isEmpty() || readSeen) {
            readSeen = false;
            quietSince = NOT_QUIET;
            return DrainCheck.BUSY;
        }
        if (quietSince == NOT_QUIET) {
            quietSince = nowNanos;
        }
        if (nowNanos - quietSince >= idleCloseNanos) {
            context.meters().downstreamClosed("draining");
            closeConnection();
            return DrainCheck.CLOSED;
        }
        return DrainCheck.IDLE;
    }

    @Override
    public void closeConnection() {
        closed = true;
        releaseQueued();
        ctx.close();
    }

    @Override
    public void pause(PauseReason reason) {
        int before = pauseReasons;
        pauseReasons |= reason.bit;
        if (before == 0) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void resume(PauseReason reason) {
        resumeAll(reason.bit);
    }

    private void resumeAll(int reasons) {
        if ((pauseReasons & reasons) == 0) {
            return;
        }
        pauseReasons &= ~reasons;
        if (pauseReasons == 0 && !closed) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void releaseQueued() {
        HttpObject o;
        while ((o = queued.poll()) != null) {
            ReferenceCountUtil.release(o);
        }
    }

    private InetSocketAddress peerAddress() {
        return (InetSocketAddress) ctx.channel().remoteAddress();
    }
}
