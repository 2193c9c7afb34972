package dev.phalanx.node.listener;

import dev.phalanx.node.http.ProxyHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Takes the PROXY protocol (v1 or v2) header that a trusted load balancer sends first, hands its source address to
 * the proxy handler, and steps out of the pipeline. Only added for peers in {@code trustedProxies}; a malformed
 * header closes the connection (the decoder reports it).
 */
final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {
    private final ProxyHandler proxyHandler;

    ProxyProtocolHandler(ProxyHandler proxyHandler) {
        this.proxyHandler = proxyHandler;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage m) {
            try {
                if (m.command() == HAProxyCommand.PROXY && m.sourceAddress() != null) {
                    InetSocketAddress source = new InetSocketAddress(InetAddress.getByName(m.sourceAddress()),
                            m.sourcePort());
                    proxyHandler.proxiedSource(source);
                    // for HTTP/2 streams, whose proxy handlers read it from their connection
                    ctx.channel().attr(ProxyHandler.PROXIED_SOURCE).set(source);
                }
            } catch (UnknownHostException e) {
                ctx.close(); // a literal address that does not parse: the decoder should not let it through
            } finally {
                ReferenceCountUtil.release(m);
            }
            ctx.pipeline().remove(this);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
