package dev.phalanx.node.listener;

import dev.phalanx.node.metrics.Meters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * First handler of every downstream connection of a listener: refuses connections past {@code maxConnections}
 * (closed at once, counted) and keeps the open ones in a group so a drain can reach them.
 */
@ChannelHandler.Sharable
public final class ConnectionTracker extends ChannelInboundHandlerAdapter {
    private final int maxConnections;
    private final Meters meters;
    private final AtomicInteger open = new AtomicInteger();
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    public ConnectionTracker(int maxConnections, Meters meters) {
        this.maxConnections = maxConnections;
        this.meters = meters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            meters.downstreamClosed("max-connections");
            ctx.close();
            return;
        }
        channels.add(ctx.channel());
        ctx.channel().closeFuture().addListener(f -> open.decrementAndGet());
        ctx.fireChannelActive();
    }

    public int openConnections() {
        return open.get();
    }

    /** Open downstream connections (a live view). */
    public Iterable<Channel> channels() {
        return channels;
    }
}
