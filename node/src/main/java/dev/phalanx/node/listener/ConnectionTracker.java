package dev.phalanx.node.listener;

import dev.phalanx.node.http.DrainCheck;
import dev.phalanx.node.http.Http2ConnectionControl;
import dev.phalanx.node.http.PipelineNames;
import dev.phalanx.node.http.ProxyHandler;
import dev.phalanx.node.metrics.Meters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * First handler of every downstream connection of a listener: refuses connections past {@code maxConnections}
 * (closed at once, counted) and keeps the open ones in a group so a drain can sweep them ({@link #sweep}).
 */
@ChannelHandler.Sharable
public final class ConnectionTracker extends ChannelInboundHandlerAdapter {
    private final int maxConnections;
    private final Meters meters;
    private final AtomicInteger open = new AtomicInteger();
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    /** The connections open when the drain's first sweep ran; null before. Drain thread only. */
    private Set<Channel> openAtDrainStart;

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

    /**
     * One drain sweep: on each event loop, one task checks that loop's connections ({@link DrainCheck}), closing
     * those that stayed idle for {@code idleCloseNanos} and sending HTTP/2 connections their GOAWAYs. Connections
     * without an HTTP handler yet (TLS handshake, PROXY header) are neither idle nor in flight; a tunnel (WebSocket)
     * counts as a request in flight until it ends by itself or the drain timeout cuts it. The first sweep remembers
     * the connections open then, and every sweep counts how many of them are still open. Call from one thread.
     */
    public CompletableFuture<DrainSweep> sweep(long idleCloseNanos) {
        Set<Channel> before = openAtDrainStart;
        if (before == null) {
            before = Set.copyOf(channels); // the first sweep of the drain
            openAtDrainStart = before;
        }
        Map<EventLoop, List<Channel>> byLoop = new HashMap<>();
        for (Channel ch : channels) {
            byLoop.computeIfAbsent(ch.eventLoop(), l -> new ArrayList<>()).add(ch);
        }
        CompletableFuture<DrainSweep> all = CompletableFuture.completedFuture(DrainSweep.NONE);
        for (Map.Entry<EventLoop, List<Channel>> e : byLoop.entrySet()) {
            CompletableFuture<DrainSweep> one = new CompletableFuture<>();
            try {
                e.getKey().execute(() -> one.complete(sweepOnLoop(e.getValue(), idleCloseNanos)));
            } catch (RejectedExecutionException shutDown) {
                one.complete(DrainSweep.NONE);
            }
            all = all.thenCombine(one, DrainSweep::plus);
        }
        Set<Channel> fromBefore = before;
        return all.thenApply(s -> new DrainSweep(s.connections(), s.idle(), s.inFlight(),
                (int) fromBefore.stream().filter(Channel::isActive).count()));
    }

    private static DrainSweep sweepOnLoop(List<Channel> loopChannels, long idleCloseNanos) {
        long now = System.nanoTime();
        int open = 0;
        int idle = 0;
        int inFlight = 0;
        for (Channel ch : loopChannels) {
            if (!ch.isActive()) {
                continue;
            }
            ProxyHandler h1 = ch.pipeline().get(ProxyHandler.class);
            Http2ConnectionControl h2 = ch.pipeline().get(Http2ConnectionControl.class);
            DrainCheck check;
            int streams = 1;
            if (h1 != null) {
                check = h1.drainCheck(now, idleCloseNanos);
            } else if (h2 != null) {
                check = h2.drainCheck(now, idleCloseNanos);
                streams = h2.activeStreams();
            } else {
                check = ch.pipeline().get(PipelineNames.IDLE) == null ? DrainCheck.BUSY : null; // tunnel or handshake
            }
            if (check == DrainCheck.CLOSED) {
                continue;
            }
            open++;
            if (check == DrainCheck.IDLE) {
                idle++;
            } else if (check == DrainCheck.BUSY) {
                inFlight += streams;
            }
        }
        return new DrainSweep(open, idle, inFlight, 0);
    }

    public int openConnections() {
        return open.get();
    }

    /** Open downstream connections (a live view). */
    public Iterable<Channel> channels() {
        return channels;
    }
}
