package dev.phalanx.node.http;

import dev.phalanx.node.upstream.UpstreamConnection;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Writes the request up the exchange's upstream connection (no flush: the exchange flushes at the end of each
 * downstream read): the head, then the body pieces, keeping what a retry needs in a {@link RequestBody}. A request
 * without a body (HTTP/1.1 framing: neither Content-Length nor chunked) goes up as one full message and its empty
 * end, when the decoder delivers it, is not written: one message through the upstream pipeline instead of two.
 * Event-loop only; one per exchange.
 */
final class RequestWriter {
    private final RequestBody body = new RequestBody();
    private final boolean bodyless;

    /** The request has no body by its framing: only an empty end follows its head. */
    boolean bodyless() {
        return bodyless;
    }

    /** @param bodyless the request has no body by its framing ({@link #bodyless}) */
    RequestWriter(boolean bodyless) {
        this.bodyless = bodyless;
    }

    /**
     * Starts an attempt on a connection: writes the head, then the pieces written before (a retry) and those that
     * came while the connection was opening.
     *
     * @return whether the request's end went up
     */
    boolean begin(UpstreamConnection connection, HttpRequest head) {
        connection.write(bodyless ? new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE) : head);
        body.rewind();
        boolean ended = false;
        HttpContent c;
        while ((c = body.pollPending()) != null) {
            ended |= piece(connection, c);
        }
        return ended;
    }

    /**
     * HTTP/1.1 framing (RFC 9112 6.3): neither Content-Length nor chunked means no body ({@code contentLength} is
     * the header's value, or -1 without one). Not on HTTP/2, where a
     * body needs neither.
     */
    static boolean bodyless(HttpRequest request, long contentLength, boolean http2) {
        // any Transfer-Encoding: the raw guard lets only "chunked" through on HTTP/1.1
        return !http2 && contentLength <= 0 && !request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING);
    }

    /** @return whether this piece ended the request */
    boolean piece(UpstreamConnection connection, HttpContent content) {
        body.sent(content);
        boolean last = content instanceof LastHttpContent;
        if (last && bodyless && !content.content().isReadable()
                && ((LastHttpContent) content).trailingHeaders().isEmpty()) {
            content.release(); // the head went as a full request
            return true;
        }
        connection.write(content);
        return last;
    }

    /** Keeps a piece that came while no connection is open. */
    void hold(HttpContent content) {
        body.addPending(content);
    }

    /** Some body byte went up (a reset after it is not a stale keep-alive connection). */
    boolean anySent() {
        return body.anySent();
    }

    /** A retry can send the body again. */
    boolean replayable() {
        return body.replayable();
    }

    void release() {
        body.release();
    }
}
