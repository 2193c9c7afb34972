package dev.phalanx.node.admin;

import dev.phalanx.cluster.model.HostPort;
import dev.phalanx.cluster.model.NodeConfig.AdminConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The admin HTTP/1.1 server (docs/contract.md#admin-api) on {@code admin.bind}. It runs on its own single-thread event
 * loop group, never on the data plane's, so a busy or stuck data plane cannot silence {@code /healthz}, and a slow
 * admin call cannot delay a proxied request. Requests are tiny: the request head is capped at 8 KiB, a body at
 * 4 KiB (413 past it), and a connection that sends nothing for 30 s is closed.
 *
 * <p>Life cycle: {@link #start()} once (returns when bound), then {@link #close()}. Not thread-safe between the two.
 */
public final class AdminServer implements AutoCloseable {
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_BODY_BYTES = 4096;
    static final int READ_TIMEOUT_SECONDS = 30;

    private final HostPort bind;
    private final boolean reusePort;
    private final AdminHandler handler;
    private EventLoopGroup group;
    private Channel serverChannel;

    /** The production server: peers on loopback need no token. */
    public AdminServer(AdminConfig config, AdminModel model) {
        this(config, model, InetAddress::isLoopbackAddress);
    }

    /**
     * @param trustedWithoutToken peers that may call without the token even when one is configured; production uses
     *                            {@link InetAddress#isLoopbackAddress}, tests (which only have loopback) pass
     *                            {@code peer -> false}
     */
    public AdminServer(AdminConfig config, AdminModel model, Predicate<InetAddress> trustedWithoutToken) {
        this.bind = Objects.requireNonNull(config.bind(), "admin.bind");
        this.reusePort = config.reusePort();
        this.handler = new AdminHandler(Objects.requireNonNull(model, "model"),
                new BearerAuth(config.token(), Objects.requireNonNull(trustedWithoutToken, "trustedWithoutToken")));
    }

    /**
     * Binds {@code admin.bind} and returns once the port accepts connections.
     *
     * @throws IllegalStateException naming the address when it cannot be resolved or bound (port taken, address not
     *                               local), or when it is not loopback and no token is configured
     */
    public synchronized void start() {
        if (group != null) {
            throw new IllegalStateException("the admin server was already started");
        }
        InetSocketAddress address = new InetSocketAddress(bind.host(), bind.port());
        if (address.isUnresolved()) {
            throw new IllegalStateException("admin.bind " + bind + ": cannot resolve the host " + bind.host());
        }
        if (!address.getAddress().isLoopbackAddress() && !handler.tokenRequired()) {
            throw new IllegalStateException("admin.bind " + bind
                    + " is not a loopback address: set admin.token to protect the admin API");
        }
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("phalanx-admin", true),
                NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .option(ChannelOption.SO_REUSEADDR, true)
                // admin.reusePort: the new process of an in-place upgrade answers on the same port (docs/upgrade.md)
                .option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), reusePort)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("read-timeout", new ReadTimeoutHandler(READ_TIMEOUT_SECONDS))
                                .addLast("http-codec", new HttpServerCodec(4096, MAX_HEADER_BYTES, 8192))
                                .addLast("aggregator", new HttpObjectAggregator(MAX_BODY_BYTES))
                                .addLast("admin", handler);
                    }
                });
        try {
            serverChannel = bootstrap.bind(address).syncUninterruptibly().channel();
        } catch (Exception e) {
            shutDownGroup();
            throw new IllegalStateException("admin.bind " + bind + ": cannot listen: " + e.getMessage(), e);
        }
    }

    /** The bound address (the real port when {@code admin.bind} asked for port 0). */
    public synchronized InetSocketAddress localAddress() {
        if (serverChannel == null) {
            throw new IllegalStateException("the admin server is not started");
        }
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Stops listening; open admin connections are served on (an in-place upgrade's old process). */
    public synchronized void stopAccepting() {
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            serverChannel = null;
        }
    }

    /**
     * Stops listening and closes every admin connection (after a short quiet period, so answers in progress go out). Waits for that unless called from the admin event loop
     * itself (from inside a model call), where waiting would deadlock.
     */
    @Override
    public synchronized void close() {
        if (serverChannel != null) {
            serverChannel.close();
            serverChannel = null;
        }
        shutDownGroup();
    }

    private void shutDownGroup() {
        if (group == null) {
            return;
        }
        EventLoopGroup g = group;
        group = null;
        var termination = g.shutdownGracefully(100, 2000, TimeUnit.MILLISECONDS);
        if (!g.next().inEventLoop()) {
            termination.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
