package dev.phalanx.node.listener;

import dev.phalanx.cluster.model.Cidr;
import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.node.http.HstsHandler;
import dev.phalanx.node.http.Http1Deadlines;
import dev.phalanx.node.http.Http2Codecs;
import dev.phalanx.node.http.Http2ConnectionControl;
import dev.phalanx.node.http.Http2Deadlines;
import dev.phalanx.node.http.HttpCodecs;
import dev.phalanx.node.http.PipelineNames;
import dev.phalanx.node.http.ProxyContext;
import dev.phalanx.node.http.ProxyHandler;
import dev.phalanx.node.http.RawRequestGuard;
import dev.phalanx.node.http.RequestValidator;
import dev.phalanx.node.http.SlowClientRules;
import dev.phalanx.node.tls.ListenerTls;
import dev.phalanx.node.tls.TlsHandshakeHandler;
import dev.phalanx.node.upstream.ReadIdleTimeout;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Builds a downstream connection's pipeline in named steps (order and names in {@link PipelineNames}).
 */
final class DownstreamInitializer extends ChannelInitializer<SocketChannel> {
    private final NodeConfig.ListenerConfig listener;
    private final ProxyContext context;
    private final ConnectionTracker tracker;
    private final ListenerTls tls;
    private final HstsHandler hsts;
    private final Http2StreamInitializer streamInitializer;
    private final SlowClientRules slowClients;

    /** @param tls the listener's TLS contexts, or null for a plain HTTP listener */
    DownstreamInitializer(NodeConfig.ListenerConfig listener, ProxyContext context, ConnectionTracker tracker,
                          ListenerTls tls) {
        this.listener = listener;
        this.context = context;
        this.tracker = tracker;
        this.tls = tls;
        this.hsts = listener.tls() != null && listener.tls().hsts() != null ? new HstsHandler(listener.tls().hsts())
                : null;
        this.streamInitializer = new Http2StreamInitializer(context, hsts);
        this.slowClients = SlowClientRules.of(context.limits());
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        ProxyHandler proxyHandler = new ProxyHandler(context);
        addConnectionHandlers(p);
        addProxyProtocolHandlers(p, ch.remoteAddress(), proxyHandler);
        if (tls != null) {
            addTlsHandlers(p, proxyHandler); // the HTTP handlers follow once the handshake picked the protocol
            return;
        }
        if (listener.h2c()) {
            p.addLast(PipelineNames.H2C_DETECT, new CleartextPrefaceDetector(new CleartextPrefaceDetector.Choice() {
                @Override
                public void http2(ChannelHandlerContext ctx) {
                    addHttp2Handlers(ctx.pipeline());
                }

                @Override
                public void http1(ChannelHandlerContext ctx) {
                    addHttpHandlers(ctx.pipeline());
                    ctx.pipeline().addLast(PipelineNames.PROXY, proxyHandler);
                }
            }, context.limits().requestHeadTimeout().toMillis(), context.meters()));
            return;
        }
        addHttpHandlers(p);
        p.addLast(PipelineNames.PROXY, proxyHandler);
    }

    /**
     * TLS: an SNI handler that becomes the TLS handler ({@link PipelineNames#TLS}) for the certificate the client
     * asked for, then a handshake handler that counts the handshake, keeps the client certificate's subject and, by
     * the ALPN protocol, builds the rest of the pipeline.
     */
    private void addTlsHandlers(ChannelPipeline p, ProxyHandler proxyHandler) {
        p.addLast(PipelineNames.TLS, tls.newHandler(PipelineNames.TLS));
        p.addLast(PipelineNames.TLS_HANDSHAKE, new TlsHandshakeHandler(context.meters(),
                !"none".equals(listener.tls().clientAuth()), (ctx, protocol) -> {
            ChannelPipeline cp = ctx.pipeline();
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                addHttp2Handlers(cp);
                return;
            }
            addHttpHandlers(cp);
            cp.addLast(PipelineNames.PROXY, proxyHandler);
        }));
    }

    /**
     * The HTTP/2 handlers, added at the end of the pipeline: for h2c with prior knowledge (after
     * {@link PipelineNames#H2C_DETECT}) and for TLS listeners whose ALPN chose {@code h2}. Each stream gets its
     * own child channel on the connection's event loop (so its upstream connection is on that loop too).
     */
    void addHttp2Handlers(ChannelPipeline p) {
        // many streams' responses end in the same event-loop turn (each upstream read flushes its stream): one
        // socket write for them instead of one each
        p.addLast(PipelineNames.HTTP2_FLUSH, new FlushConsolidationHandler(256, true));
        p.addLast(PipelineNames.HTTP2_DEADLINE, new Http2Deadlines(slowClients, context.meters()));
        p.addLast(PipelineNames.HTTP2_CODEC, Http2Codecs.frameCodec(context.limits()));
        p.addLast(PipelineNames.HTTP2_MULTIPLEX, new Http2MultiplexHandler(streamInitializer));
        p.addLast(PipelineNames.HTTP2_CONNECTION, new Http2ConnectionControl(context.meters()));
    }

    private void addConnectionHandlers(ChannelPipeline p) {
        p.addLast(PipelineNames.CONNECTION_LIMIT, tracker);
        long idle = context.limits().idleTimeout().toMillis();
        // reader-idle only: a keep-alive connection is idle when the client sends nothing (the proxy handler ignores
        // it while a response is in progress)
        p.addLast(PipelineNames.IDLE, new ReadIdleTimeout(idle));
    }

    /** PROXY protocol is expected only from trusted peers; anyone else speaks plain HTTP on this listener. */
    private void addProxyProtocolHandlers(ChannelPipeline p, InetSocketAddress peer, ProxyHandler proxyHandler) {
        if (!listener.proxyProtocol() || !trusted(peer.getAddress(), context.trustedProxies())) {
            return;
        }
        p.addLast(PipelineNames.PROXY_PROTOCOL, new HAProxyMessageDecoder());
        p.addLast(PipelineNames.PROXY_PROTOCOL_HANDLER, new ProxyProtocolHandler(proxyHandler));
    }

    private void addHttpHandlers(ChannelPipeline p) {
        RawRequestGuard guard = HttpCodecs.rawGuard();
        p.addLast(PipelineNames.RAW_GUARD, guard);
        p.addLast(PipelineNames.REQUEST_DEADLINE, new Http1Deadlines(guard, slowClients, context.meters()));
        p.addLast(PipelineNames.HTTP_CODEC, HttpCodecs.serverCodec(context.limits().maxHeaderBytes()));
        if (hsts != null) {
            p.addLast(PipelineNames.HSTS, hsts);
        }
        p.addLast(PipelineNames.REQUEST_VALIDATOR, new RequestValidator(context.meters()));
    }

    private static boolean trusted(InetAddress a, List<Cidr> trustedProxies) {
        for (Cidr c : trustedProxies) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }
}
