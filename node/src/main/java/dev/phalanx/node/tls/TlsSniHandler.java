package dev.phalanx.node.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Mapping;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.function.Function;

/**
 * Reads the ClientHello's server name, asks the listener's current SNI table for the context, and replaces itself
 * with an {@link SslHandler} under the pipeline name it was given (so the TLS step keeps its documented name). When
 * the client asked for certificate status and the chosen certificate has a current OCSP response, the new engine
 * gets it before the handshake goes on (the bytes are already in memory; nothing blocks).
 */
public final class TlsSniHandler extends SniHandler {
    static final int MAX_CLIENT_HELLO_BYTES = 64 * 1024;
    static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    private final String name;
    private final Function<ClientHelloInfo, SniTable.Entry> select;
    private SniTable.Entry chosen;
    private boolean statusRequest;

    TlsSniHandler(Function<ClientHelloInfo, SniTable.Entry> select, String name) {
        super((Mapping<String, SslContext>) host -> select.apply(ClientHelloInfo.UNKNOWN.withName(host)).context(),
                MAX_CLIENT_HELLO_BYTES, HANDSHAKE_TIMEOUT_MILLIS);
        this.select = select;
        this.name = name;
    }

    /** Chooses by the whole hello (name and whether the client takes ECDSA), not by the name alone. */
    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) {
        ClientHelloInfo hello = clientHello == null ? ClientHelloInfo.UNKNOWN : ClientHelloInfo.parse(clientHello);
        chosen = select.apply(hello);
        statusRequest = hello.statusRequest();
        return ctx.executor().newSucceededFuture(chosen.context());
    }

    @Override
    protected void replaceHandler(ChannelHandlerContext ctx, String hostname, SslContext sslContext) {
        SslHandler ssl = null;
        try {
            ssl = newSslHandler(sslContext, ctx.alloc());
            ssl.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
            staple(ssl, sslContext);
            ctx.pipeline().replace(this, name, ssl);
            ssl = null;
        } finally {
            if (ssl != null) {
                ReferenceCountUtil.safeRelease(ssl.engine());
            }
        }
    }

    private void staple(SslHandler ssl, SslContext sslContext) {
        SniTable.Entry entry = chosen;
        if (!statusRequest || entry == null || entry.context() != sslContext) {
            return;
        }
        byte[] response = entry.staple().current();
        if (response != null && ssl.engine() instanceof ReferenceCountedOpenSslEngine engine) {
            engine.setOcspResponse(response);
        }
    }
}
