package dev.phalanx.node.health;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real HTTP/1.1 backend on 127.0.0.1, port 0, for health-check tests. It answers every request at once with the
 * current {@link #status} (and a body of {@link #bodyBytes}), or, in {@link #hold} mode, parks requests until the test
 * {@link #release releases} them one by one (never, for a backend that accepts but does not answer).
 */
final class TestBackend implements AutoCloseable {
    private final Channel server;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger failuresServed = new AtomicInteger();
    private final ConcurrentLinkedQueue<ChannelHandlerContext> parked = new ConcurrentLinkedQueue<>();
    private final AtomicReference<HttpRequest> lastRequest = new AtomicReference<>();
    private volatile int status = 200;
    private volatile int bodyBytes;
    private volatile boolean hold;

    TestBackend(EventLoopGroup group) throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new Handler());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    /** Answer with this status from now on. */
    TestBackend status(int code) {
        status = code;
        return this;
    }

    TestBackend bodyBytes(int bytes) {
        bodyBytes = bytes;
        return this;
    }

    /** Park requests instead of answering them. */
    TestBackend hold(boolean on) {
        hold = on;
        return this;
    }

    /** Answers the oldest parked request with {@code code}; false when none is parked. */
    boolean release(int code) {
        ChannelHandlerContext ctx = parked.poll();
        if (ctx == null) {
            return false;
        }
        ctx.executor().execute(() -> respond(ctx, code));
        return true;
    }

    /** Requests received so far. */
    int requests() {
        return requests.get();
    }

    /** Requests answered with a status other than 2xx/3xx. */
    int failuresServed() {
        return failuresServed.get();
    }

    int parked() {
        return parked.size();
    }

    /** The head of the last request (headers only; its body, if any, was released). */
    HttpRequest lastRequest() {
        return lastRequest.get();
    }

    private void respond(ChannelHandlerContext ctx, int code) {
        if (code >= 400) {
            failuresServed.incrementAndGet();
        }
        ByteBuf body = ctx.alloc().buffer(bodyBytes);
        body.writeZero(bodyBytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(code), body);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bodyBytes);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        channels.close().syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
            requests.incrementAndGet();
            lastRequest.set(new DefaultHttpRequest(msg.protocolVersion(), msg.method(),
                    msg.uri(), msg.headers().copy()));
            if (hold) {
                parked.add(ctx);
            } else {
                respond(ctx, status);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
