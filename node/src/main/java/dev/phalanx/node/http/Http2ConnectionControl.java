package dev.phalanx.node.http;

import dev.phalanx.node.metrics.Meters;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * HTTP2_CONNECTION: what is about an HTTP/2 connection rather than one of its streams. It widens the connection's
 * receive window to {@link Http2Codecs#CONNECTION_WINDOW}; closes the connection when it is idle with no stream open;
 * and on a drain sends GOAWAY in two steps ({@link #drainCheck}), lets the open streams finish and closes when none
 * is left (or at {@code limits.drainTimeout}). Event-loop only.
 */
public final class Http2ConnectionControl extends ChannelInboundHandlerAdapter {
    private final Meters meters;
    private Http2FrameCodec codec;
    private ChannelHandlerContext ctx;
    private boolean announced;
    private long announcedAt;
    private boolean goingAway;

    public Http2ConnectionControl(Meters meters) {
        this.meters = meters;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.codec = ctx.pipeline().get(Http2FrameCodec.class);
        int increment = Http2Codecs.CONNECTION_WINDOW - Http2Codecs.STREAM_WINDOW;
        if (increment > 0 && ctx.channel().isActive()) {
            ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(increment));
        }
    }

    /** Streams open on this connection. */
    public int activeStreams() {
        return codec == null ? 0 : codec.connection().numActiveStreams();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            if (activeStreams() == 0) {
                meters.downstreamClosed("idle");
                ctx.close(); // the frame codec sends GOAWAY first
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // connection-level frames the multiplexer passes on (SETTINGS, PING, GOAWAY, unknown types): the codec
        // already acted on them (acks, closing once the streams of a GOAWAY'd connection ended)
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2Exception) {
            return; // the codec answers protocol errors itself (GOAWAY with the error's code, or RST_STREAM)
        }
        ctx.close(); // I/O errors
    }

    /**
     * One drain sweep over this connection (event loop only). GOAWAY goes out in two steps (RFC 9113 §6.8): first
     * with the largest stream id, which tells the client to open no more streams here while every stream it may
     * already have sent is still served; then, {@code finalGoAwayNanos} later, with the last stream id the client
     * really opened, after which the codec closes the connection as soon as its open streams ended (at the latest
     * after {@code limits.drainTimeout}). A stream that crosses the first GOAWAY is thus still served rather than
     * refused. With 0 the final GOAWAY goes out at once.
     */
    public DrainCheck drainCheck(long nowNanos, long finalGoAwayNanos) {
        if (ctx == null || !ctx.channel().isActive()) {
            return DrainCheck.CLOSED;
        }
        if (!goingAway) {
            if (!announced) {
                announced = true;
                announcedAt = nowNanos;
                meters.downstreamClosed("draining");
                if (finalGoAwayNanos > 0) {
                    ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR)
                            .setExtraStreamIds(Integer.MAX_VALUE)); // the codec caps the id at 2^31-1
                    return activeStreams() > 0 ? DrainCheck.BUSY : DrainCheck.IDLE;
                }
            }
            if (nowNanos - announcedAt >= finalGoAwayNanos) {
                goingAway = true;
                ctx.write(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR)); // last stream id = the last one opened
                ctx.channel().close(); // the codec sends no second GOAWAY, waits for the open streams, then closes
            }
        }
        return activeStreams() > 0 ? DrainCheck.BUSY : DrainCheck.IDLE;
    }
}
