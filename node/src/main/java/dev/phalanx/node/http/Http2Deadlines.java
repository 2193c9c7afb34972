package dev.phalanx.node.http;

import dev.phalanx.node.metrics.Meters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import java.util.ArrayList;

/**
 * HTTP2_DEADLINE (before HTTP2_CODEC): the slow-client deadlines for HTTP/2 ({@link SlowClientRules}).
 * <ul>
 *   <li>Connection: it follows the frame boundaries in the raw bytes (9-byte frame headers; payloads are skipped,
 *       not read). While a header block is open (HEADERS without END_HEADERS, until the CONTINUATION that ends it)
 *       the client may send nothing else on the connection, and a frame cut off halfway holds up every stream
 *       behind it: a header block, the preface or a frame other than DATA that stays incomplete for
 *       {@code limits.requestHeadTimeout}, or a DATA frame that trickles slower than {@code requestBodyMinRate}, ends
 *       the connection (GOAWAY, then close).</li>
 *   <li>Streams: each stream whose request body is in progress registers here ({@link Http2StreamBodyWatch}); a
 *       body slower than {@code requestBodyMinRate} while its stream reads (and the connection's receive window has
 *       room, so the stall is the client's) gets 408 and the stream is reset.</li>
 * </ul>
 * One check task per connection, running only while a frame is incomplete or a body is in progress; never a timer
 * per stream. Event-loop only (the streams' channels share the connection's event loop).
 */
public final class Http2Deadlines extends ChannelInboundHandlerAdapter {
    private static final int PREFACE_BYTES = 24;
    private static final int FRAME_HEADER_BYTES = 9;
    private static final int TYPE_DATA = 0x0;
    private static final int TYPE_HEADERS = 0x1;
    private static final int TYPE_PUSH_PROMISE = 0x5;
    private static final int TYPE_CONTINUATION = 0x9;
    private static final int FLAG_END_HEADERS = 0x4;
    /** Below this much receive window left on the connection, a quiet stream may be starved by the node's own pause. */
    private static final int MIN_OPEN_WINDOW = 16_384;

    private final SlowClientRules rules;
    private final Meters meters;
    private final HeadClock head = new HeadClock();
    private final BodyRateClock body = new BodyRateClock();
    private final ArrayList<Http2StreamBodyWatch> bodies = new ArrayList<>();
    private ChannelHandlerContext ctx;
    private final DeadlineCheck check;
    private long bytes;

    // where the bytes read so far end
    private int prefaceLeft = PREFACE_BYTES;
    private int headerRead;
    private int length;
    private int type;
    private int flags;
    private long payloadLeft;
    private boolean blockOpen;
    private long framesStarted;
    private long blocksStarted;

    public Http2Deadlines(SlowClientRules rules, Meters meters) {
        this.rules = rules;
        this.check = new DeadlineCheck(this::onCheck, rules.periodMillis());
        this.meters = meters;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            check.start(ctx.executor()); // the preface is due
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            bytes += buf.readableBytes();
            follow(buf);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!check.running() && incomplete()) {
            check.start(ctx.executor());
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        check.stop();
        bodies.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        check.stop();
    }

    /** A stream's request body started (its head came without END_STREAM). */
    void bodyStarted(Http2StreamBodyWatch stream) {
        if (!check.fired()) {
            bodies.add(stream);
            check.start(ctx.executor());
        }
    }

    /** A stream's request body ended, or the stream closed. */
    void bodyEnded(Http2StreamBodyWatch stream) {
        bodies.remove(stream);
    }

    /** Follows frame boundaries: reads the 9-byte frame headers, skips payloads. */
    private void follow(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        if (prefaceLeft > 0) {
            int n = Math.min(prefaceLeft, end - i);
            prefaceLeft -= n;
            i += n;
        }
        while (i < end) {
            if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= n;
                i += n;
                continue;
            }
            int b = buf.getUnsignedByte(i++);
            switch (headerRead) {
                case 0 -> {
                    framesStarted++;
                    length = b << 16;
                }
                case 1 -> length |= b << 8;
                case 2 -> length |= b;
                case 3 -> type = b;
                case 4 -> flags = b;
                default -> {
                }
            }
            if (++headerRead == FRAME_HEADER_BYTES) {
                headerRead = 0;
                frameHeaderRead();
            }
        }
    }

    private void frameHeaderRead() {
        boolean endHeaders = (flags & FLAG_END_HEADERS) != 0;
        if (type == TYPE_HEADERS || type == TYPE_PUSH_PROMISE) {
            blockOpen = !endHeaders;
            if (blockOpen) {
                blocksStarted++;
            }
        } else if (type == TYPE_CONTINUATION) {
            blockOpen = !endHeaders;
        }
        payloadLeft = length;
    }

    private boolean incomplete() {
        return prefaceLeft > 0 || headerRead > 0 || payloadLeft > 0 || blockOpen;
    }

    private void onCheck() {
        if (check.fired() || !ctx.channel().isActive()) {
            check.stop();
            return;
        }
        boolean dataFrame = payloadLeft > 0 && type == TYPE_DATA && headerRead == 0 && !blockOpen;
        if (incomplete() && !dataFrame) {
            // frames count from their first byte; a header block from its HEADERS frame to the END_HEADERS
            if (head.expired(blockOpen ? -blocksStarted : framesStarted, rules.headChecks())) {
                endConnection("request-head-timeout", rules.headReason());
                return;
            }
        } else {
            head.reset();
        }
        boolean windowOpen = receiveWindowOpen();
        if (dataFrame && rules.bodyRuleOn()) {
            if (body.tooSlow(bytes, windowOpen, rules)) {
                endConnection("request-body-rate", rules.bodyReason());
                return;
            }
        } else {
            body.reset();
        }
        checkStreams(windowOpen);
        if (!incomplete() && bodies.isEmpty()) {
            check.stop();
        }
    }

    private void checkStreams(boolean windowOpen) {
        if (!rules.bodyRuleOn()) {
            return;
        }
        for (int i = bodies.size() - 1; i >= 0; i--) {
            Http2StreamBodyWatch stream = bodies.get(i);
            if (stream.clock().tooSlow(stream.bytes(), windowOpen && stream.reading(), rules)) {
                bodies.remove(i);
                meters.downstreamStreamReset("request-body-rate");
                stream.tooSlow(new SlowRequest(rules.bodyReason()));
            }
        }
    }

    /** Whether the client may still send a frame's worth on the connection (streams the node paused hold none of it). */
    private boolean receiveWindowOpen() {
        Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
        if (codec == null) {
            return true;
        }
        Http2Connection c = codec.connection();
        return c.local().flowController().windowSize(c.connectionStream()) >= MIN_OPEN_WINDOW;
    }

    /** GOAWAY through the codec, then the socket closes (from here: the codec would wait for the open streams). */
    private void endConnection(String metricReason, String reason) {
        check.fire();
        bodies.clear();
        meters.downstreamClosed(metricReason);
        ctx.channel().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR,
                ByteBufUtil.writeAscii(ctx.alloc(), reason))).addListener(f -> ctx.close());
    }
}
