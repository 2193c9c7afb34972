package dev.phalanx.node.testsupport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/1.1 backend on 127.0.0.1 (port 0) for integration tests. It streams request bodies (never aggregates),
 * records every request head it sees, and answers by the request path:
 * <ul>
 *   <li>{@code /status/N} answers status N</li>
 *   <li>{@code /bytes/N} streams N bytes of {@code 'x'} in 64 KiB chunks, honouring backpressure (chunked)</li>
 *   <li>{@code /slow/MS} answers after MS milliseconds</li>
 *   <li>{@code /close} closes the connection without answering</li>
 *   <li>{@code /hang} never answers</li>
 *   <li>anything else: 200 with a small JSON naming the backend, the path and the body size it received</li>
 * </ul>
 */
public final class TestBackend implements AutoCloseable {
    private static final byte[] CHUNK = "x".repeat(65536).getBytes(StandardCharsets.US_ASCII);
    private final String name;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ConcurrentLinkedQueue<HttpRequest> requests = new ConcurrentLinkedQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final AtomicLong bytesStreamed = new AtomicLong();
    private volatile long readPauseMillis;
    private Channel server;

    public TestBackend(String name) {
        this.name = name;
    }

    public TestBackend start() {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        open.incrementAndGet();
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        ch.pipeline().addLast(new HttpServerCodec(8192, 65536, 65536), new Handler());
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        return this;
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public String address() {
        return "127.0.0.1:" + port();
    }

    public List<HttpRequest> requests() {
        return List.copyOf(requests);
    }

    public int requestCount() {
        return requests.size();
    }

    /** Connections accepted so far (keep-alive reuse keeps this low). */
    public int connectionCount() {
        return connections.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return open.get();
    }

    public long bodyBytesReceived() {
        return bodyBytes.get();
    }

    public long bytesStreamed() {
        return bytesStreamed.get();
    }

    /** Makes the backend a slow reader: after each body chunk it stops reading for this long. */
    public void readPause(long millis) {
        this.readPauseMillis = millis;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private HttpRequest current;
        private long received;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest r) {
                current = r;
                received = 0;
                requests.add(r);
            }
            if (msg instanceof HttpContent c) {
                received += c.content().readableBytes();
                bodyBytes.addAndGet(c.content().readableBytes());
                boolean last = c instanceof LastHttpContent;
                c.release();
                if (readPauseMillis > 0 && !last) {
                    ctx.channel().config().setAutoRead(false);
                    ctx.executor().schedule(() -> ctx.channel().config().setAutoRead(true), readPauseMillis,
                            TimeUnit.MILLISECONDS);
                }
                if (last) {
                    respond(ctx, current, received);
                }
            }
        }

        private void respond(ChannelHandlerContext ctx, HttpRequest req, long bodySize) {
            String path = req.uri();
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (path.startsWith("/status/")) {
                int code = Integer.parseInt(path.substring(8));
                send(ctx, HttpResponseStatus.valueOf(code), "{\"backend\": \"" + name + "\"}\n", keepAlive);
            } else if (path.startsWith("/bytes/")) {
                stream(ctx, Long.parseLong(path.substring(7)), keepAlive);
            } else if (path.startsWith("/slow/")) {
                ctx.executor().schedule(() -> send(ctx, HttpResponseStatus.OK, "{\"backend\": \"" + name + "\"}\n",
                        keepAlive), Long.parseLong(path.substring(6)), TimeUnit.MILLISECONDS);
            } else if (path.startsWith("/close")) {
                ctx.close();
            } else if (path.startsWith("/hang")) {
                // never answers
            } else {
                send(ctx, HttpResponseStatus.OK, "{\"backend\": \"" + name + "\", \"path\": \"" + path
                        + "\", \"bodyBytes\": " + bodySize + "}\n", keepAlive);
            }
        }

        private void send(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive) {
            ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
            HttpHeaders h = res.headers();
            h.set(HttpHeaderNames.CONTENT_TYPE, "application/json").setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
            h.set("x-backend", name);
            h.set("server", "test-backend");
            HttpUtil.setKeepAlive(res, keepAlive);
            if (keepAlive) {
                ctx.writeAndFlush(res);
            } else {
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private void stream(ChannelHandlerContext ctx, long total, boolean keepAlive) {
            DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setTransferEncodingChunked(head, true);
            head.headers().set("x-backend", name);
            ctx.write(head);
            new Streamer(ctx, total).run();
        }
    }

    /** Writes the body while the channel is writable, resumes on writability (bounded memory in the backend). */
    private final class Streamer implements Runnable {
        private final ChannelHandlerContext ctx;
        private long left;

        Streamer(ChannelHandlerContext ctx, long total) {
            this.ctx = ctx;
            this.left = total;
        }

        @Override
        public void run() {
            Channel ch = ctx.channel();
            while (left > 0 && ch.isActive()) {
                if (!ch.isWritable()) {
                    ch.flush();
                    ctx.executor().schedule(this, 1, TimeUnit.MILLISECONDS);
                    return;
                }
                int n = (int) Math.min(65536, left);
                ByteBuf b = ctx.alloc().buffer(n);
                b.writeBytes(CHUNK, 0, n);
                left -= n;
                bytesStreamed.addAndGet(n);
                ch.write(new DefaultHttpContent(b));
            }
            if (ch.isActive()) {
                ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }
    }
}
