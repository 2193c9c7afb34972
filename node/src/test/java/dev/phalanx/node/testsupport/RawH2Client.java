package dev.phalanx.node.testsupport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A raw HTTP/2 client for abuse tests: writes frames with Netty's {@link DefaultHttp2FrameWriter} (or hand-made
 * bytes) on a plain connection, with no flow control or protocol checks of its own, and records every frame the
 * server sends (PING acks only counted). It acks the server's SETTINGS.
 */
public final class RawH2Client implements AutoCloseable {
    /** A frame the server sent: type, stream, error code or status, payload length, END_STREAM. */
    public record Frame(String type, int streamId, long code, Http2Headers headers, int length, boolean endStream) {
        public String status() {
            return headers == null || headers.status() == null ? null : headers.status().toString();
        }

        @Override
        public String toString() {
            return type + "(stream " + streamId + (code >= 0 ? ", code " + code : "")
                    + (headers != null ? ", " + headers : "") + (length > 0 ? ", " + length + " bytes" : "")
                    + (endStream ? ", END_STREAM" : "") + ")";
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final List<Frame> seen = new ArrayList<>();
    private final AtomicLong pingAcks = new AtomicLong();
    private final int port;
    private Channel channel;
    private ChannelHandlerContext ctx;

    public RawH2Client(int port) {
        this.port = port;
    }

    /** Connects and sends the connection preface and an empty SETTINGS frame. */
    public RawH2Client connect() {
        return connect(true, 0);
    }

    /**
     * @param autoRead    false: the client reads nothing until {@link #startReading()} (its socket fills up)
     * @param receiveBuffer SO_RCVBUF when positive (small: the kernel buffers little for a client that does not read)
     */
    public RawH2Client connect(boolean autoRead, int receiveBuffer) {
        return connect(autoRead, receiveBuffer, null);
    }

    /** @param prelude bytes sent before the connection preface (a PROXY protocol header), or null */
    public RawH2Client connect(boolean autoRead, int receiveBuffer, byte[] prelude) {
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, autoRead)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Reader());
                    }
                });
        if (receiveBuffer > 0) {
            b.option(ChannelOption.SO_RCVBUF, receiveBuffer);
        }
        channel = b.connect("127.0.0.1", port).syncUninterruptibly().channel();
        ctx = channel.pipeline().firstContext();
        onLoop(() -> {
            if (prelude != null) {
                channel.write(Unpooled.wrappedBuffer(prelude));
            }
            channel.write(Http2CodecUtil.connectionPrefaceBuf());
            ChannelFuture f = writer.writeSettings(ctx, new Http2Settings(), ctx.newPromise());
            ctx.flush();
            return f;
        });
        return this;
    }

    /**
     * Runs a write on the channel's event loop and returns its future. A frame is several writes (header, payload);
     * written from the test thread, each would become its own task, and the SETTINGS ACK the event loop writes
     * when the server's SETTINGS arrive could land between a frame's header and its payload.
     */
    private ChannelFuture onLoop(java.util.concurrent.Callable<ChannelFuture> write) {
        if (channel.eventLoop().inEventLoop()) {
            try {
                return write.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return channel.eventLoop().submit(write).syncUninterruptibly().getNow();
    }

    public void startReading() {
        channel.config().setAutoRead(true);
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    public long pingAcks() {
        return pingAcks.get();
    }

    /** Request headers for a method and path (not validated: tests may add what a real client would not). */
    public Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers(false).method(method).path(path).scheme("http").authority("127.0.0.1:" + port);
    }

    public ChannelFuture headers(int streamId, Http2Headers headers, boolean endStream) {
        return onLoop(() -> {
            ChannelFuture f = writer.writeHeaders(ctx, streamId, headers, 0, endStream, ctx.newPromise());
            ctx.flush();
            return f;
        });
    }

    public ChannelFuture data(int streamId, byte[] bytes, boolean endStream) {
        return onLoop(() -> {
            ChannelFuture f = writer.writeData(ctx, streamId, Unpooled.wrappedBuffer(bytes), 0, endStream,
                    ctx.newPromise());
            ctx.flush();
            return f;
        });
    }

    public ChannelFuture rst(int streamId, Http2Error error) {
        return onLoop(() -> {
            ChannelFuture f = writer.writeRstStream(ctx, streamId, error.code(), ctx.newPromise());
            ctx.flush();
            return f;
        });
    }

    public ChannelFuture windowUpdate(int streamId, int increment) {
        return onLoop(() -> {
            ChannelFuture f = writer.writeWindowUpdate(ctx, streamId, increment, ctx.newPromise());
            ctx.flush();
            return f;
        });
    }

    /** Many PING frames in one write. */
    public ChannelFuture pings(int count) {
        ByteBuf buf = ctx.alloc().buffer(count * 17);
        for (int i = 0; i < count; i++) {
            buf.writeMedium(8).writeByte(0x6).writeByte(0).writeInt(0).writeLong(i);
        }
        return onLoop(() -> ctx.writeAndFlush(buf));
    }

    /** Many empty SETTINGS frames (each needs an ACK) in one write. */
    public ChannelFuture settingsFrames(int count) {
        ByteBuf buf = ctx.alloc().buffer(count * 9);
        for (int i = 0; i < count; i++) {
            buf.writeMedium(0).writeByte(0x4).writeByte(0).writeInt(0);
        }
        return onLoop(() -> ctx.writeAndFlush(buf));
    }

    /** A hand-made frame: 9-byte header and the payload. */
    public ChannelFuture rawFrame(int type, int flags, int streamId, byte[] payload) {
        ByteBuf buf = ctx.alloc().buffer(9 + payload.length);
        buf.writeMedium(payload.length).writeByte(type).writeByte(flags).writeInt(streamId).writeBytes(payload);
        return onLoop(() -> {
            ChannelFuture f = ctx.write(buf);
            ctx.flush();
            return f;
        });
    }

    /** Raw bytes as they are (part of a frame, to leave it incomplete). */
    public ChannelFuture rawBytes(byte[] bytes) {
        return onLoop(() -> ctx.writeAndFlush(Unpooled.wrappedBuffer(bytes)));
    }

    /** The next frame the server sent that matches, waiting up to {@code timeout}; fails the test otherwise. */
    public Frame await(Predicate<Frame> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Frame f : seen) {
            if (match.test(f)) {
                return f;
            }
        }
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                Frame f = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
                if (f == null) {
                    throw new AssertionError("no such frame within " + timeout + "; seen: " + seen);
                }
                seen.add(f);
                if (match.test(f)) {
                    return f;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Whether a matching frame came already (no waiting). */
    public boolean received(Predicate<Frame> match) {
        Frame f;
        while ((f = frames.poll()) != null) {
            seen.add(f);
        }
        return seen.stream().anyMatch(match);
    }

    public boolean receivedGoAway() {
        return received(f -> f.type().equals("GOAWAY") || f.type().equals("CLOSED"));
    }

    public Frame awaitGoAway(Duration timeout) {
        return await(f -> f.type().equals("GOAWAY"), timeout);
    }

    /** Frames seen so far (those {@link #await} went through). */
    public List<Frame> seen() {
        return seen;
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().awaitUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private final class Reader extends ByteToMessageDecoder {
        private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(new DefaultHttp2HeadersDecoder(false));
        private final Http2FrameAdapter listener = new Http2FrameAdapter() {
            @Override
            public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
                                  boolean endOfStream) {
                frames.add(new Frame("DATA", streamId, -1, null, data.readableBytes(), endOfStream));
                return data.readableBytes() + padding;
            }

            @Override
            public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                                      boolean endOfStream) {
                frames.add(new Frame("HEADERS", streamId, -1, headers, 0, endOfStream));
            }

            @Override
            public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
                                      int streamDependency, short weight, boolean exclusive, int padding,
                                      boolean endOfStream) {
                onHeadersRead(ctx, streamId, headers, padding, endOfStream);
            }

            @Override
            public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
                frames.add(new Frame("RST_STREAM", streamId, errorCode, null, 0, false));
            }

            @Override
            public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
                frames.add(new Frame("GOAWAY", lastStreamId, errorCode, null, debugData.readableBytes(), false));
            }

            @Override
            public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
                writer.writeSettingsAck(ctx, ctx.newPromise());
                ctx.flush();
            }

            @Override
            public void onPingAckRead(ChannelHandlerContext ctx, long data) {
                pingAcks.incrementAndGet();
            }
        };

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Http2Exception {
            reader.readFrame(ctx, in, listener);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            frames.add(new Frame("CLOSED", 0, -1, null, 0, false));
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // in the test report: tells a reset by the node from a frame this client could not parse
            System.err.println("RawH2Client: closing the connection after " + cause);
            ctx.close();
        }
    }
}
