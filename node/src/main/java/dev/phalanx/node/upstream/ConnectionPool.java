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
    /** How long a retired idle connection waits for the backend to close its end before it is closed anyway. */
    static final long RETIRE_GRACE_MILLIS = 1000;

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final int maxIdlePerEndpoint;
    private final long idleTimeoutMillis;
    private final Map<Endpoint, ArrayDeque<UpstreamConnection>> idle = new HashMap<>();
    /** Connections of this loop per endpoint, open or opening (this loop only). */
    private final Map<Endpoint, Integer> open = new HashMap<>();

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
     *
     * @return false when this loop has no idle connection to the endpoint and its {@code maxConnections} allows no
     *     new one; then nothing was started
     */
    public boolean acquire(Endpoint endpoint, long connectTimeoutMillis, UpstreamListener listener) {
        ArrayDeque<UpstreamConnection> q = idle.get(endpoint);
        if (q != null) {
            UpstreamConnection c;
            while ((c = q.pollLast()) != null) {
                endpoint.idleTaken();
                if (c.reusable()) {
                    c.lend(listener);
                    listener.onConnected(c);
                    return true;
                }
                c.close(); // bytes came unasked while it was idle (or it is closing already)
            }
        }
        if (!endpoint.tryReserveConnection()) {
            return false;
        }
        connect(endpoint, connectTimeoutMillis, listener);
        return true;
    }

    /** Connects; the connection was counted on the endpoint by the caller and is uncounted when its channel closes. */
    private void connect(Endpoint endpoint, long connectTimeoutMillis, UpstreamListener listener) {
        Bootstrap b = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis));
        ChannelFuture f = b.connect(endpoint.socketAddress());
        Channel ch = f.channel();
        UpstreamCodec codec = new UpstreamCodec();
        UpstreamConnection c = new UpstreamConnection(ch, endpoint, this, codec);
        c.lend(listener);
        open.merge(endpoint, 1, Integer::sum);
        ch.closeFuture().addListener(closed -> {
            open.computeIfPresent(endpoint, (e, n) -> n == 1 ? null : n - 1);
            removeIdle(c);
            endpoint.connectionClosed();
        });
        ch.pipeline()
                // before the codec: one check per socket read rather than per decoded part; reader-idle only
                // (nothing comes on a pooled idle connection)
                .addLast(IDLE, new ReadIdleTimeout(idleTimeoutMillis))
                .addLast(CODEC, codec)
                .addLast(HANDLER, new UpstreamHandler(c));
        f.addListener(done -> {
            if (done.isSuccess()) {
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

    /** Whether this loop has a connection to {@code endpoint}, open or opening. */
    public boolean holdsConnection(Endpoint endpoint) {
        return open.containsKey(endpoint);
    }

    /** Takes a connection back after a clean exchange; closes it when it cannot be kept. */
    void offer(UpstreamConnection c) {
        Endpoint e = c.endpoint();
        if (!c.reusable() || e.isRemoved()) {
            c.close(); // also when the backend sent more than its answer framed: never read behind it
            return;
        }
        ArrayDeque<UpstreamConnection> q = idle.computeIfAbsent(e, k -> new ArrayDeque<>());
        if (q.size() >= maxIdlePerEndpoint) {
            c.close();
            return;
        }
        c.idleNow();
        q.addLast(c);
        e.idleAdded(loop);
        // auto-read on while idle: the backend closing it, or sending something unasked, is noticed at once
        if (!c.channel().config().isAutoRead()) {
            c.channel().config().setAutoRead(true);
        }
    }

    private void removeIdle(UpstreamConnection c) {
        ArrayDeque<UpstreamConnection> q = idle.get(c.endpoint());
        if (q != null) {
            if (q.remove(c)) {
                c.endpoint().idleTaken();
            }
            if (q.isEmpty()) {
                idle.remove(c.endpoint());
            }
        }
    }

    /**
     * Closes this loop's oldest idle connection to {@code endpoint} if the endpoint is still at its connection cap
     * with requests waiting: its slot goes to a waiter on another loop (see {@link PoolAdmission}).
     */
    void retireIdle(Endpoint endpoint) {
        ArrayDeque<UpstreamConnection> q = idle.get(endpoint);
        if (q == null || endpoint.waiters.isEmpty() || endpoint.connections() < endpoint.maxConnections()) {
            return;
        }
        UpstreamConnection c = q.pollFirst();
        if (c != null) {
            endpoint.idleTaken();
            c.retire(RETIRE_GRACE_MILLIS); // the slot frees when the backend closed its end too
        }
    }

    /**
     * A reused connection to {@code endpoint} turned out closed by the backend (reset before any answer): the idle
     * ones that went idle before it did, or with it, were most likely closed by the same idle timeout of the backend
     * (servers drop idle keep-alive connections together). Closes them, so the retry opens a fresh connection
     * instead of meeting another dead one.
     */
    public void dropStale(Endpoint endpoint, long idleSinceNanos) {
        ArrayDeque<UpstreamConnection> q = idle.get(endpoint);
        if (q == null) {
            return;
        }
        java.util.List<UpstreamConnection> stale = new java.util.ArrayList<>();
        for (UpstreamConnection c : q) {
            if (c.idleSinceNanos() - idleSinceNanos <= 0) {
                stale.add(c);
            }
        }
        for (UpstreamConnection c : stale) {
            q.remove(c);
            endpoint.idleTaken();
            c.close();
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
                    c.endpoint().idleTaken();
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
        all.forEach(c -> {
            c.endpoint().idleTaken();
            c.close();
        });
    }

    EventLoop loop() {
        return loop;
    }
}
