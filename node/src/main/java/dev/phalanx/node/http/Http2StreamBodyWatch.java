package dev.phalanx.node.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * HTTP2_STREAM_BODY_WATCH (on a stream's child channel, after the stream codec): counts the stream's request body
 * bytes and, while the body is in progress, is checked by the connection's {@link Http2Deadlines} (no timer of its
 * own). When the body is too slow it sends a {@link SlowRequest} down the stream's pipeline: the validator answers
 * 408 and the stream is reset. One instance per stream; event-loop only.
 */
public final class Http2StreamBodyWatch extends ChannelInboundHandlerAdapter {
    private final BodyRateClock clock = new BodyRateClock();
    private ChannelHandlerContext ctx;
    private Http2Deadlines connection;
    private boolean inBody;
    private long bytes;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().parent() != null) {
            this.connection = ctx.channel().parent().pipeline().get(Http2Deadlines.class);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest && !(msg instanceof LastHttpContent) && connection != null) {
            inBody = true;
            connection.bodyStarted(this);
        }
        if (msg instanceof HttpContent content) {
            bytes += content.content().readableBytes();
            if (msg instanceof LastHttpContent) {
                ended();
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ended();
        ctx.fireChannelInactive();
    }

    private void ended() {
        if (inBody) {
            inBody = false;
            connection.bodyEnded(this);
        }
    }

    BodyRateClock clock() {
        return clock;
    }

    long bytes() {
        return bytes;
    }

    /** Whether the stream is reading its body now (the proxy did not pause it). */
    boolean reading() {
        return ctx.channel().config().isAutoRead();
    }

    /** Called by the connection's check (already unregistered): answer 408 on this stream. */
    void tooSlow(SlowRequest event) {
        inBody = false;
        ctx.fireUserEventTriggered(event);
    }
}
