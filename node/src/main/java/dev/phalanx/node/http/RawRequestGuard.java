package dev.phalanx.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * RAW_GUARD: checks downstream request bytes before the HTTP decoder sees them (see {@link Http1RequestScanner}
 * for the rules), because Netty's decoder silently folds obs-fold lines and frames some requests differently
 * from what their headers say. Bytes pass through unchanged and uncopied. At the first bad byte the guard passes
 * on only the bytes before it, fires a {@link RawRequestViolation} for {@link RequestValidator} to answer, and
 * from then on drops (releases) everything it reads. One instance per connection.
 *
 * <p>Remove it together with the codec when the connection switches protocols (101): the bytes that follow are
 * not HTTP/1.
 */
public final class RawRequestGuard extends ChannelInboundHandlerAdapter {
    private final Http1RequestScanner scanner = new Http1RequestScanner();

    /** The scanner's view of this connection (where the request stands, for {@link Http1Deadlines} and tests). */
    Http1RequestScanner scanner() {
        return scanner;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (scanner.rejected()) {
            buf.release();
            return;
        }
        int from = buf.readerIndex();
        int bad = scanner.scan(buf, from, buf.writerIndex());
        if (bad < 0) {
            ctx.fireChannelRead(buf);
            return;
        }
        if (bad > from) {
            ByteBuf good = buf.retainedSlice(from, bad - from);
            buf.release();
            ctx.fireChannelRead(good);
        } else {
            buf.release();
        }
        ctx.fireUserEventTriggered(new RawRequestViolation(scanner.violation()));
    }
}
