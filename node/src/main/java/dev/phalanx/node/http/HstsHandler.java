package dev.phalanx.node.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;

/**
 * Adds {@code Strict-Transport-Security} (the listener's {@code tls.hsts}) to every response head the listener
 * sends, its own error responses included, unless the upstream already set one. Stateless; one per listener.
 */
@ChannelHandler.Sharable
public final class HstsHandler extends ChannelOutboundHandlerAdapter {
    private static final AsciiString STS = AsciiString.cached("strict-transport-security");
    private final AsciiString value;

    public HstsHandler(String value) {
        this.value = AsciiString.cached(value);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r && r.status().code() >= 200
                && !r.headers().contains(STS)) {
            r.headers().set(STS, value);
        }
        ctx.write(msg, promise);
    }
}
