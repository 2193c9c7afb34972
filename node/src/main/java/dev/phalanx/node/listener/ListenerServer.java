package dev.phalanx.node.listener;

import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.node.http.ProxyContext;
import dev.phalanx.node.tls.ListenerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/** One downstream listener: binds, accepts, and for a drain sweeps its connections and stops accepting. */
public final class ListenerServer {
    private static final String TRANSPARENT_NEEDS = "ipTransparent needs the capability CAP_NET_ADMIN or"
            + " CAP_NET_RAW (e.g. AmbientCapabilities=CAP_NET_ADMIN in the node's systemd unit)";

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
        if (config.ipTransparent()) {
            if (!loops.isEpoll()) {
                throw new IllegalStateException("listener " + config.name() + ": ipTransparent needs the native epoll"
                        + " transport (Linux), which did not load: " + loops.epollUnavailabilityReason());
            }
            // accepted sockets inherit it: they may send from an address the host no longer has (a VIP that moved)
            bootstrap.option(EpollChannelOption.IP_TRANSPARENT, true);
        }
        if (config.reusePort()) {
            if (!loops.isEpoll()) {
                throw new IllegalStateException("listener " + config.name() + ": reusePort needs the native epoll"
                        + " transport (Linux), which did not load: " + loops.epollUnavailabilityReason());
            }
            // a second process of this node (an in-place upgrade) binds the same address; the kernel spreads new
            // connections over both until the old one closes its socket (docs/upgrade.md)
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
        }
    }

    /** Binds; throws an exception naming the listener and address when that fails (port taken, bad address). */
    public void bind() {
        InetSocketAddress address = new InetSocketAddress(config.bind().host(), config.bind().port());
        try {
            serverChannel = bootstrap.bind(address).syncUninterruptibly().channel();
        } catch (Exception e) {
            String hint = config.reusePort() ? "" : "; another process holds it (an in-place upgrade needs"
                    + " listeners[].reusePort: true in both processes)";
            boolean inUse = String.valueOf(e.getMessage()).contains("in use");
            boolean refused = config.ipTransparent() && String.valueOf(e.getMessage()).contains("not permitted");
            throw new IllegalStateException("listener " + config.name() + ": cannot bind " + config.bind() + ": "
                    + e.getMessage() + (refused ? "; " + TRANSPARENT_NEEDS : "") + (inUse ? hint : ""), e);
        }
        if (config.ipTransparent() && !ipTransparent()) {
            // a listener that silently lacks the option would not do its job
            serverChannel.close().syncUninterruptibly();
            throw new IllegalStateException("listener " + config.name() + ": the kernel refused IP_TRANSPARENT; "
                    + TRANSPARENT_NEEDS);
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

    /** Whether the listening socket has IP_TRANSPARENT (see {@code listeners[].ipTransparent}). */
    public boolean ipTransparent() {
        return serverChannel != null && Boolean.TRUE.equals(serverChannel.config().getOption(
                EpollChannelOption.IP_TRANSPARENT));
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
