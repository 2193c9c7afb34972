package dev.phalanx.node.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Keep-alive upstream connections of ONE event loop, per endpoint. Every method runs on that event loop, so the
 * state is plain collections without locks. Idle connections are reused last-in first-out (the most recently used
 * one is the least likely to have been closed by the backend).
 */
public final class ConnectionPool {
    static final String CODEC = "upstream-codec";
    static final String IDLE = "upstream-idle";
    static final String HANDLER = "upstream-handler";

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final int maxIdlePerEndpoint;
    private final long idleTimeoutMillis;
    private final Map<Endpoint, ArrayDeque<UpstreamConnection>> idle = new HashMap<>();

    ConnectionPool(EventLoop loop, Class<? extends Channel> channelClass, int maxIdlePerEndpoint,
                   long idleTimeoutMillis) {
        this.loop = loop;
        this.maxIdlePerEndpoint = maxIdlePerEndpoint;
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                // reads stay on while the downstream can take more; the exchange turns them off under backpressure
                // (toggling per request would cost two epoll_ctl calls each time)
                .option(ChannelOption.AUTO_READ, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // the real handlers are added once the connection object exists (see connect)
                    }
                });
    }

    /**
     * Lends a connection to {@code endpoint} to {@code listener}: an idle pooled one at once, or a new one when
     * connected. Failures to connect come as {@link UpstreamFailure#CONNECT_FAILURE}. Must run on this pool's loop.
     */
    public void acquire(Endpoint endpoint, long connectTimeoutMillis, UpstreamListener listener) {
        ArrayDeque<UpstreamConnection> q = idle.get(endpoint);
        if (q != null) {
            UpstreamConnection c;
            while ((c = q.pollLast()) != null) {
                if (c.channel().isActive() && !c.isClosing()) {
                    c.lend(listener);
                    listener.onConnected(c);
                    return;
                }
            }
        }
        connect(endpoint, connectTimeoutMillis, listener);
    }

    private void connect(Endpoint endpoint, long connectTimeoutMillis, UpstreamListener listener) {
        Bootstrap b = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis));
        ChannelFuture f = b.connect(endpoint.socketAddress());
        Channel ch = f.channel();
        UpstreamConnection c = new UpstreamConnection(ch, endpoint, this);
        c.lend(listener);
        ch.pipeline()
                // before the codec: one check per socket read rather than per decoded part; reader-idle only
                // (nothing comes on a pooled idle connection)
                .addLast(IDLE, new ReadIdleTimeout(idleTimeoutMillis))
                .addLast(CODEC, new UpstreamCodec())
                .addLast(HANDLER, new UpstreamHandler(c));
        f.addListener(done -> {
            if (done.isSuccess()) {
                endpoint.connectionOpened();
                ch.closeFuture().addListener(closed -> {
                    endpoint.connectionClosed();
                    removeIdle(c);
                });
                UpstreamListener l = c.listener();
                if (l != null) {
                    l.onConnected(c);
                } else {
                    c.close();
                }
            } else {
                UpstreamListener l = c.listener();
                c.close();
                if (l != null) {
                    l.onFailure(c, UpstreamFailure.CONNECT_FAILURE, done.cause());
                }
            }
        });
    }

    /** Takes a connection back after a clean exchange; closes it when it cannot be kept. */
    void offer(UpstreamConnection c) {
        Endpoint e = c.endpoint();
        if (!c.channel().isActive() || c.isClosing() || e.isRemoved()) {
            c.close();
            return;
        }
        ArrayDeque<UpstreamConnection> q = idle.computeIfAbsent(e, k -> new ArrayDeque<>());
        if (q.size() >= maxIdlePerEndpoint) {
            c.close();
            return;
        }
        q.addLast(c);
        // auto-read on while idle: the backend closing it, or sending something unasked, is noticed at once
        if (!c.channel().config().isAutoRead()) {
            c.channel().config().setAutoRead(true);
        }
    }

    private void removeIdle(UpstreamConnection c) {
        ArrayDeque<UpstreamConnection> q = idle.get(c.endpoint());
        if (q != null) {
            q.remove(c);
            if (q.isEmpty()) {
                idle.remove(c.endpoint());
            }
        }
    }

    /** Closes idle connections of endpoints that config changes removed. */
    void closeRemoved() {
        for (Iterator<Map.Entry<Endpoint, ArrayDeque<UpstreamConnection>>> it = idle.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Endpoint, ArrayDeque<UpstreamConnection>> en = it.next();
            if (en.getKey().isRemoved()) {
                ArrayDeque<UpstreamConnection> q = en.getValue();
                it.remove();
                for (UpstreamConnection c : q.toArray(new UpstreamConnection[0])) {
                    c.close();
                }
            }
        }
    }

    /** Closes every idle connection (drain, shutdown). */
    void closeAllIdle() {
        // closing runs the close listener (removeIdle) at once on this loop: take them out of the map first
        java.util.List<UpstreamConnection> all = new java.util.ArrayList<>();
        idle.values().forEach(all::addAll);
        idle.clear();
        all.forEach(UpstreamConnection::close);
    }

    EventLoop loop() {
        return loop;
    }
}
