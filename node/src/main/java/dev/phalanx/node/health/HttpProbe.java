package dev.phalanx.node.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One active health probe, entirely on one event loop: connect, {@code GET path} with {@code Connection: close},
 * read the status line and headers, close. It passes when the status is one of {@code expectStatus} and arrives
 * within {@code timeout} of the start (connect included). The response body is never read on purpose: the channel is
 * closed at the head, and any body chunk already decoded is released by {@link SimpleChannelInboundHandler}.
 */
final class HttpProbe extends SimpleChannelInboundHandler<HttpObject> {
    /** Told once, on the probe's event loop, unless the probe was cancelled. */
    @FunctionalInterface
    interface Outcome {
        void done(boolean passed, String detail);
    }

    private static final int MAX_INITIAL_LINE = 4096;
    private static final int MAX_HEADER_BYTES = 16384;
    private static final int MAX_CHUNK = 8192;

    private final EventLoop loop;
    private final Class<? extends Channel> channelClass;
    private final InetSocketAddress target;
    private final String hostHeader;
    private final String path;
    private final long timeoutMillis;
    private final List<Integer> expectStatus;
    private final Outcome outcome;
    private boolean finished;
    private Channel channel;
    private ScheduledFuture<?> timer;

    HttpProbe(EventLoop loop, Class<? extends Channel> channelClass, InetSocketAddress target, String hostHeader,
              String path, long timeoutMillis, List<Integer> expectStatus, Outcome outcome) {
        this.loop = loop;
        this.channelClass = channelClass;
        this.target = target;
        this.hostHeader = hostHeader;
        this.path = path;
        this.timeoutMillis = Math.max(1, timeoutMillis);
        this.expectStatus = expectStatus;
        this.outcome = outcome;
    }

    /** Starts the probe. Call on {@code loop}. The outcome may be told before this returns. */
    void start() {
        if (target.isUnresolved()) {
            finish(false, "address " + target.getHostString() + " is not resolved");
            return;
        }
        timer = loop.schedule(() -> finish(false, "no response within " + timeoutMillis + "ms"),
                timeoutMillis, TimeUnit.MILLISECONDS);
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, MAX_CHUNK),
                                HttpProbe.this);
                    }
                })
                .connect(target);
        channel = connect.channel();
        if (finished) { // cancelled or timed out while connect() ran
            channel.close();
            return;
        }
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                finish(false, describe(f.cause()));
            }
        });
    }

    /** Stops the probe without telling the outcome. Call on {@code loop}. */
    void cancel() {
        if (!finished) {
            finished = true;
            cleanUp();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path,
                Unpooled.EMPTY_BUFFER);
        request.headers()
                .set(HttpHeaderNames.HOST, hostHeader)
                .set(HttpHeaderNames.USER_AGENT, "phalanx-health")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                finish(false, describe(f.cause()));
            }
        });
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (finished || !(msg instanceof HttpResponse response)) {
            return; // body chunks after the head: released by the superclass
        }
        if (response.decoderResult().isFailure()) {
            finish(false, "malformed response: " + describe(response.decoderResult().cause()));
            return;
        }
        int status = response.status().code();
        if (expectStatus.contains(status)) {
            finish(true, "status " + status);
        } else {
            finish(false, "status " + status + ", expected " + expectStatus);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish(false, "connection closed before the response");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        finish(false, describe(cause));
    }

    private void finish(boolean passed, String detail) {
        if (finished) {
            return;
        }
        finished = true;
        cleanUp();
        outcome.done(passed, detail);
    }

    private void cleanUp() {
        if (timer != null) {
            timer.cancel(false);
        }
        if (channel != null) {
            channel.close();
        }
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "failed";
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
