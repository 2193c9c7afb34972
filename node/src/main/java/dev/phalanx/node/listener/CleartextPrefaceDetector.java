package dev.phalanx.node.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import dev.phalanx.node.metrics.Meters;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * H2C_DETECT: on a plain listener with {@code h2c: true}, tells HTTP/2 with prior knowledge (the client starts
 * with the connection preface {@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}) from HTTP/1.1 by the first bytes, installs
 * the matching handlers after itself, and steps out; the bytes read so far go on to them. A first byte that differs
 * from the preface decides at once, so HTTP/1.1 requests are not held back. A client that has not decided within
 * {@code limits.requestHeadTimeout} (sent nothing, or drips the preface) is closed: the deadlines of the HTTP/1.1 and
 * HTTP/2 handlers only start once they are in place.
 */
final class CleartextPrefaceDetector extends ByteToMessageDecoder {
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    interface Choice {
        void http2(ChannelHandlerContext ctx);

        void http1(ChannelHandlerContext ctx);
    }

    private final Choice choice;
    private final long deadlineMillis;
    private final Meters meters;
    private ScheduledFuture<?> deadline;

    CleartextPrefaceDetector(Choice choice, long deadlineMillis, Meters meters) {
        this.choice = choice;
        this.deadlineMillis = deadlineMillis;
        this.meters = meters;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            meters.downstreamClosed("request-head-timeout");
            ctx.close();
        }, deadlineMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        deadline.cancel(false);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != PREFACE.getByte(PREFACE.readerIndex() + i)) {
                choice.http1(ctx);
                ctx.pipeline().remove(this);
                return;
            }
        }
        if (n == PREFACE.readableBytes()) {
            choice.http2(ctx);
            ctx.pipeline().remove(this);
        }
    }
}
