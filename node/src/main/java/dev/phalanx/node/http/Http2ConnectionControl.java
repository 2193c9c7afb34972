package dev.phalanx.node.http;

import dev.phalanx.node.metrics.Meters;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * HTTP2_CONNECTION: what is about an HTTP/2 connection rather than one of its streams. It widens the connection's
 * receive window to {@link Http2Codecs#CONNECTION_WINDOW}; closes the connection when it is idle with no stream open;
 * and on a drain sends GOAWAY (last stream id = the last one the client opened), lets the open streams finish and
 * closes when none is left (or at {@code limits.drainTimeout}). Event-loop only.
 */
public final class Http2ConnectionControl extends ChannelInboundHandlerAdapter {
    private final Meters meters;
    private Http2FrameCodec codec;
    private ChannelHandlerContext ctx;
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
     * Drain: GOAWAY now (once); the codec closes the connection when its last stream ended, or after
     * {@code limits.drainTimeout}. Call on the event loop.
     */
    public void drain() {
        if (goingAway || ctx == null || !ctx.channel().isActive()) {
            return;
        }
        goingAway = true;
        meters.downstreamClosed("draining");
        ctx.channel().close();
    }
}
