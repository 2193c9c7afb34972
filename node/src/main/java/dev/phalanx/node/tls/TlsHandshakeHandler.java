package dev.phalanx.node.tls;

import dev.phalanx.node.metrics.Meters;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.internal.tcnative.SSL;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;

/**
 * Sits after the TLS handler until the handshake ends. On success: counts it (resumed or full), keeps the verified
 * client subject on the channel ({@link ClientCertificates}), and hands the negotiated ALPN protocol to the
 * listener's {@link ProtocolSetup} (which builds the HTTP/1.1 or HTTP/2 pipeline), then re-fires anything read in
 * between and leaves. On failure: counts the reason once and closes.
 */
public final class TlsHandshakeHandler extends ChannelInboundHandlerAdapter {
    /** Builds the rest of the pipeline for the negotiated protocol ({@code http/1.1} when the client sent no ALPN). */
    @FunctionalInterface
    public interface ProtocolSetup {
        void configure(ChannelHandlerContext ctx, String protocol);
    }

    private static final int MAX_BUFFERED = 16;
    private final Meters meters;
    private final boolean clientCertificates;
    private final ProtocolSetup setup;
    private final ArrayDeque<Object> buffered = new ArrayDeque<>(2);
    private boolean failed;
    private boolean done;

    /** @param clientCertificates the listener asks for client certificates ({@code clientAuth} not {@code none}) */
    public TlsHandshakeHandler(Meters meters, boolean clientCertificates, ProtocolSetup setup) {
        this.meters = meters;
        this.clientCertificates = clientCertificates;
        this.setup = setup;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done) {
            ctx.fireChannelRead(msg);
        } else if (failed || buffered.size() >= MAX_BUFFERED) {
            ReferenceCountUtil.release(msg);
        } else {
            buffered.add(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess()) {
                succeeded(ctx);
            } else {
                fail(ctx, e.cause());
            }
            return;
        }
        if (evt instanceof SniCompletionEvent e && !e.isSuccess()) {
            fail(ctx, e.cause());
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void succeeded(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        SSLEngine engine = ssl.engine();
        meters.tlsHandshake(resumed(engine));
        // without client authentication there is no peer certificate (asking would throw, costly per handshake)
        String subject = clientCertificates ? clientSubject(engine) : null;
        if (subject != null) {
            ctx.channel().attr(ClientCertificates.SUBJECT).set(subject);
        }
        String protocol = ssl.applicationProtocol();
        done = true;
        setup.configure(ctx, protocol == null ? ApplicationProtocolNames.HTTP_1_1 : protocol);
        Object m;
        while ((m = buffered.poll()) != null) {
            ctx.fireChannelRead(m);
        }
        ctx.pipeline().remove(this);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (!failed) {
            failed = true;
            meters.tlsHandshakeFailed(HandshakeFailures.reason(cause));
        }
        releaseBuffered();
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (done) {
            ctx.fireExceptionCaught(cause);
        } else {
            fail(ctx, cause);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done && !failed) {
            failed = true;
            meters.tlsHandshakeFailed("closed");
        }
        releaseBuffered();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseBuffered();
    }

    private void releaseBuffered() {
        Object m;
        while ((m = buffered.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    private static boolean resumed(SSLEngine engine) {
        if (engine instanceof ReferenceCountedOpenSslEngine e) {
            long ssl = e.sslPointer();
            return ssl != 0 && SSL.isSessionReused(ssl);
        }
        return false; // the JDK engine does not say
    }

    /** The verified client certificate's subject (RFC 4514; non-ASCII bytes as \XX escapes), or null. */
    static String clientSubject(SSLEngine engine) {
        Certificate[] chain;
        try {
            chain = engine.getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate x)) {
            return null;
        }
        return headerSafe(x.getSubjectX500Principal().getName(X500Principal.RFC2253));
    }

    static String headerSafe(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f) {
                sb.append((char) c);
            } else {
                sb.append('\\').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            }
        }
        return sb.toString();
    }
}
