package dev.phalanx.node.http;

import dev.phalanx.node.upstream.UpstreamConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The relay-response phase of a {@link ProxyExchange}: the node's own {@code 100 Continue}, interim responses, the
 * final head and the body, with backpressure (the upstream is read only while the client takes what came). Holds
 * where the response stands ({@link ResponseState}); the exchange decides what to relay.
 */
final class ResponseRelay {
    /** Stored bodies go downstream in pieces of this size, each when the client can take it. */
    static final int STORED_PIECE = 64 * 1024;
    private final ChannelHandlerContext ctx;
    private final ResponseWriter writer;
    private ResponseState state = ResponseState.NONE;
    private boolean continueSent;
    private boolean waitingDownstream;
    private long bytesOut;
    /** Non-null while the body is being compressed. */
    private ResponseCompression compression;
    /** Non-null while a stored body is being written (what is left of it). */
    private ByteBuf storedBody;
    /** The cache that copies the body while it streams, or null. */
    private ExchangeCache tee;
    /** The upstream's body is dropped (a 304 that renewed a stored object, which is served instead). */
    private boolean discarding;

    ResponseRelay(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.writer = new ResponseWriter(ctx);
    }

    ResponseState state() {
        return state;
    }

    long bytesOut() {
        return bytesOut;
    }

    /** Lets the client send its body (it asked with {@code Expect: 100-continue}); an upstream 100 is then dropped. */
    void sendContinue() {
        continueSent = true;
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                Unpooled.EMPTY_BUFFER), ctx.voidPromise());
    }

    /** @return whether {@code head} was an interim response (1xx but 101), now relayed or dropped */
    boolean interimHead(HttpResponse head) {
        int code = head.status().code();
        if (code < 100 || code >= 200 || code == 101) {
            return false;
        }
        boolean drop = code == 100 && continueSent; // the node sent its own 100 already
        state = drop ? ResponseState.INTERIM_DROPPED : ResponseState.INTERIM;
        if (!drop) {
            ctx.write(head, ctx.voidPromise());
        }
        return true;
    }

    /** @return whether {@code content} belonged to an interim response (now relayed or released) */
    boolean interimContent(HttpContent content, boolean last) {
        if (!state.interim()) {
            return false;
        }
        if (state == ResponseState.INTERIM_DROPPED) {
            content.release();
        } else {
            ctx.write(content, ctx.voidPromise());
        }
        if (last) {
            state = ResponseState.NONE;
        }
        return true;
    }

    /**
     * The final head goes downstream (its headers prepared by the exchange); its body compressed when given, and
     * copied into the cache by {@code tee} (null for none) before that.
     */
    void head(HttpResponse head, ResponseCompression compression, ExchangeCache tee) {
        state = ResponseState.STARTED;
        this.compression = compression;
        this.tee = tee;
        writer.head(head);
    }

    /** The body's compression, null when it went as it came. */
    ResponseCompression compression() {
        return compression;
    }

    /** A 101 was accepted: the connection becomes a tunnel, the response counts as started. */
    void tunnelled() {
        state = ResponseState.STARTED;
    }

    /** A piece of the final response's body; after the last one the response has ended (and is flushed). */
    void content(HttpContent content, boolean last) {
        if (discarding) {
            content.release();
            return;
        }
        if (tee != null) {
            tee.tee(content, last);
        }
        if (compression != null) {
            content = compression.encode(content, last); // takes the piece's buffer, or throws having released it
        }
        bytesOut += content.content().readableBytes();
        writer.content(content, last);
        if (last) {
            state = ResponseState.ENDED;
            ctx.flush();
        }
    }

    /**
     * A response from the cache: the head (prepared by the exchange) and the stored body (taken; null for none), in
     * pieces of {@link #STORED_PIECE} bytes while the client takes them. A body that fits one piece goes with the
     * head as one message.
     *
     * @return true when all of it went; else it goes on from {@link #downstreamWritable}
     */
    boolean stored(HttpResponse head, ByteBuf body) {
        state = ResponseState.STARTED;
        if (body == null || body.readableBytes() <= STORED_PIECE) {
            ByteBuf b = body != null ? body : Unpooled.EMPTY_BUFFER;
            bytesOut += b.readableBytes();
            ctx.write(new DefaultFullHttpResponse(head.protocolVersion(), head.status(), b, head.headers(),
                    EmptyHttpHeaders.INSTANCE), ctx.voidPromise());
            state = ResponseState.ENDED;
            ctx.flush();
            return true;
        }
        ctx.write(head, ctx.voidPromise());
        storedBody = body;
        return writeStored();
    }

    private boolean writeStored() {
        ByteBuf body = storedBody;
        while (true) {
            int n = Math.min(STORED_PIECE, body.readableBytes());
            ByteBuf piece = body.readRetainedSlice(n);
            bytesOut += n;
            if (!body.isReadable()) {
                body.release();
                storedBody = null;
                ctx.write(new DefaultLastHttpContent(piece), ctx.voidPromise());
                state = ResponseState.ENDED;
                ctx.flush();
                return true;
            }
            ctx.write(new DefaultHttpContent(piece), ctx.voidPromise());
            if (!ctx.channel().isWritable()) {
                ctx.flush();
                return false;
            }
        }
    }

    /** The upstream's response is not relayed: its body is released as it comes (nothing went downstream yet). */
    void discardBody() {
        discarding = true;
    }

    boolean discarding() {
        return discarding;
    }

    /** The exchange finished: whatever the compression or a stored body still holds is released (an early end). */
    void release() {
        if (compression != null) {
            compression.close();
        }
        if (storedBody != null) {
            storedBody.release();
            storedBody = null;
        }
    }

    /** The whole response went downstream another way: an error response the exchange wrote. */
    void ended() {
        state = ResponseState.ENDED;
    }

    /** The tunnel ended after relaying {@code bytes} to the client. */
    void tunnelEnded(long bytes) {
        bytesOut += bytes;
        state = ResponseState.ENDED;
    }

    /** The upstream read what it had: flush, and stop reading the upstream while the client is not writable. */
    void readComplete(UpstreamConnection connection, boolean current) {
        writer.endOfRead();
        ctx.flush();
        if (current && state != ResponseState.ENDED && !ctx.channel().isWritable()) {
            waitingDownstream = true;
            connection.pauseReading();
        }
    }

    /**
     * The client can take more: read the upstream again if it was paused for the client, or write more of a stored
     * body.
     *
     * @return true when a stored body was written to its end now
     */
    boolean downstreamWritable(UpstreamConnection upstream) {
        if (storedBody != null) {
            return ctx.channel().isWritable() && writeStored();
        }
        if (waitingDownstream && upstream != null) {
            waitingDownstream = false;
            upstream.resumeReading();
        }
        return false;
    }
}
