package dev.phalanx.node.http;

import dev.phalanx.node.upstream.UpstreamConnection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * After an upstream answered an Upgrade request with 101, the two connections stop speaking HTTP: the 101 goes
 * downstream, both pipelines lose their HTTP handlers, and bytes are relayed as they come, each side reading only
 * while the other can take more. The tunnel has its own idle timeout ({@code limits.websocketIdleTimeout}).
 */
final class Tunnel {
    private Tunnel() {
    }

    static void splice(ChannelHandlerContext downstreamCtx, UpstreamConnection upstream, HttpResponse response,
                       ProxyContext context, ProxyExchange exchange) {
        HopByHopHeaders.removeHopByHop(response.headers(), true);
        Channel down = downstreamCtx.channel();
        Channel up = upstream.channel();
        // the 101 is encoded now, while the HTTP encoder is still in place
        downstreamCtx.writeAndFlush(response);
        Side downSide = new Side(context, exchange, true);
        Side upSide = new Side(context, exchange, false);
        downSide.peer = up;
        upSide.peer = down;
        downSide.other = upSide;
        upSide.other = downSide;
        long idleMillis = context.limits().websocketIdleTimeout().toMillis();

        ChannelPipeline dp = down.pipeline();
        dp.addLast("tunnel-idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS)); // both ways count
        dp.addLast("tunnel", downSide);
        removeIfPresent(dp, PipelineNames.IDLE);
        removeIfPresent(dp, PipelineNames.REQUEST_VALIDATOR);
        removeIfPresent(dp, PipelineNames.REQUEST_DEADLINE);
        removeIfPresent(dp, PipelineNames.RAW_GUARD);
        removeIfPresent(dp, PipelineNames.PROXY);
        removeIfPresent(dp, PipelineNames.HTTP_CODEC);

        ChannelPipeline upp = up.pipeline();
        upp.addLast("tunnel", upSide);
        for (String name : upp.names()) {
            ChannelHandler h = upp.get(name);
            if (h != null && h != upSide && !name.startsWith("DefaultChannelPipeline")) {
                upp.remove(name);
            }
        }
        down.config().setAutoRead(true);
        up.config().setAutoRead(true);
    }

    private static void removeIfPresent(ChannelPipeline p, String name) {
        if (p.get(name) != null) {
            p.remove(name);
        }
    }

    /** One direction's reader: relays what its channel reads to the peer channel. */
    private static final class Side extends ChannelInboundHandlerAdapter {
        private final ProxyContext context;
        private final ProxyExchange exchange;
        private final boolean downstream;
        private Channel peer;
        private Side other;
        private long bytes;
        private boolean ended;

        Side(ProxyContext context, ProxyExchange exchange, boolean downstream) {
            this.context = context;
            this.exchange = exchange;
            this.downstream = downstream;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = msg instanceof ByteBuf b ? b : msg instanceof HttpContent c ? c.content().retain() : null;
            if (msg instanceof HttpContent) {
                ReferenceCountUtil.release(msg);
            }
            if (data == null) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!data.isReadable()) {
                data.release();
                return;
            }
            bytes += data.readableBytes();
            peer.write(data);
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                peer.config().setAutoRead(true);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                context.meters().downstreamClosed("tunnel-idle");
                ctx.close();
                return;
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer.isActive()) {
                peer.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            if (!ended && !other.ended) {
                ended = true;
                long in = downstream ? bytes : other.bytes;
                long out = downstream ? other.bytes : bytes;
                exchange.tunnelEnded(in, out);
            }
            ended = true;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
