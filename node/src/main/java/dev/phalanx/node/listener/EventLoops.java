package dev.phalanx.node.listener;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The node's event loops: one acceptor thread and {@code workerThreads} (0 = one per core) I/O threads, on the
 * native epoll transport when it loads, else NIO. Downstream and upstream connections of a request share a worker.
 */
public final class EventLoops implements AutoCloseable {
    private final boolean epoll;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;

    public EventLoops(int workerThreads) {
        this.epoll = Epoll.isAvailable() && !Boolean.getBoolean("phalanx.noEpoll");
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        int threads = workerThreads > 0 ? workerThreads : Runtime.getRuntime().availableProcessors();
        this.acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("phalanx-accept", true), factory);
        this.workers = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("phalanx-worker", true), factory);
    }

    public boolean isEpoll() {
        return epoll;
    }

    public EventLoopGroup acceptor() {
        return acceptor;
    }

    public EventLoopGroup workers() {
        return workers;
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends SocketChannel> socketChannelClass() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** Why epoll is not used, for the start-up log; null when it is. */
    public String epollUnavailabilityReason() {
        if (epoll) {
            return null;
        }
        Throwable t = Epoll.unavailabilityCause();
        return t == null ? "disabled by -Dphalanx.noEpoll" : t.toString();
    }

    @Override
    public void close() {
        acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
