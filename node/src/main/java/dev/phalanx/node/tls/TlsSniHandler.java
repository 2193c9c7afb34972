package dev.phalanx.node.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Mapping;
import io.netty.util.ReferenceCountUtil;

/**
 * Reads the ClientHello's server name, asks the listener's current SNI table for the context, and replaces itself
 * with an {@link SslHandler} under the pipeline name it was given (so the TLS step keeps its documented name).
 */
public final class TlsSniHandler extends SniHandler {
    static final int MAX_CLIENT_HELLO_BYTES = 64 * 1024;
    static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    private final String name;

    TlsSniHandler(Mapping<String, SslContext> mapping, String name) {
        super(mapping, MAX_CLIENT_HELLO_BYTES, HANDSHAKE_TIMEOUT_MILLIS);
        this.name = name;
    }

    @Override
    protected void replaceHandler(ChannelHandlerContext ctx, String hostname, SslContext sslContext) {
        SslHandler ssl = null;
        try {
            ssl = newSslHandler(sslContext, ctx.alloc());
            ssl.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
            ctx.pipeline().replace(this, name, ssl);
            ssl = null;
        } finally {
            if (ssl != null) {
                ReferenceCountUtil.safeRelease(ssl.engine());
            }
        }
    }
}
