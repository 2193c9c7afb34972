package dev.phalanx.node.upstream;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One {@link ConnectionPool} per event loop of the worker group, so that the upstream connection of a request lives
 * on its downstream connection's event loop and needs no locks. Built once at start-up; read-only afterwards.
 */
public final class ConnectionPools {
    private final Map<EventExecutor, ConnectionPool> byLoop = new IdentityHashMap<>();

    public ConnectionPools(EventLoopGroup workers, Class<? extends Channel> channelClass, int maxIdlePerEndpoint,
                           long idleTimeoutMillis) {
        for (EventExecutor e : workers) {
            byLoop.put(e, new ConnectionPool((EventLoop) e, channelClass, maxIdlePerEndpoint, idleTimeoutMillis));
        }
    }

    /** The pool of the given event loop (the downstream channel's). */
    public ConnectionPool forLoop(EventLoop loop) {
        ConnectionPool p = byLoop.get(loop);
        if (p == null) {
            throw new IllegalStateException("not a worker event loop: " + loop);
        }
        return p;
    }

    /** Asks every loop to close idle connections of removed endpoints (after a config change). */
    public void closeRemoved() {
        byLoop.values().forEach(p -> p.loop().execute(p::closeRemoved));
    }

    /**
     * Asks the loops other than {@code except} to close an idle connection to {@code endpoint}, so that a request
     * waiting on {@code except} can open one under the endpoint's connection cap.
     */
    public void retireIdle(Endpoint endpoint, EventLoop except) {
        byLoop.values().forEach(p -> {
            if (p.loop() != except) {
                p.loop().execute(() -> p.retireIdle(endpoint));
            }
        });
    }

    /** Asks every loop to close all idle connections (drain). */
    public void closeAllIdle() {
        byLoop.values().forEach(p -> p.loop().execute(p::closeAllIdle));
    }
}
