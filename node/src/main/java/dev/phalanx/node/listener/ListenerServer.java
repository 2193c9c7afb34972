package dev.phalanx.node.listener;

import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.node.http.ProxyContext;
import dev.phalanx.node.tls.ListenerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/** One downstream listener: binds, accepts, and for a drain sweeps its connections and stops accepting. */
public final class ListenerServer {
    private final NodeConfig.ListenerConfig config;
    private final ConnectionTracker tracker;
    private final ServerBootstrap bootstrap;
    private Channel serverChannel;

    /** @param tls the listener's TLS contexts (started by the caller before {@link #bind}), or null for plain HTTP */
    public ListenerServer(NodeConfig.ListenerConfig config, EventLoops loops, ProxyContext context, int maxConnections,
                          ListenerTls tls) {
        this.config = config;
        this.tracker = new ConnectionTracker(maxConnections, context.meters());
        this.bootstrap = new ServerBootstrap()
                .group(loops.acceptor(), loops.workers())
                .channel(loops.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new DownstreamInitializer(config, context, tracker, tls));
    }

    /** Binds; throws an exception naming the listener and address when that fails (port taken, bad address). */
    public void bind() {
        InetSocketAddress address = new InetSocketAddress(config.bind().host(), config.bind().port());
        try {
            serverChannel = bootstrap.bind(address).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new IllegalStateException("listener " + config.name() + ": cannot bind " + config.bind() + ": "
                    + e.getMessage(), e);
        }
    }

    public String name() {
        return config.name();
    }

    public boolean isBound() {
        return serverChannel != null && serverChannel.isActive();
    }

    /** The bound address (the real port when the config said port 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int openConnections() {
        return tracker.openConnections();
    }

    /** Stops accepting new connections. */
    public void stopAccepting() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
    }

    /** One drain sweep over the open connections (see {@link ConnectionTracker#sweep}). */
    public CompletableFuture<DrainSweep> sweep(long idleCloseNanos) {
        return tracker.sweep(idleCloseNanos);
    }
}
