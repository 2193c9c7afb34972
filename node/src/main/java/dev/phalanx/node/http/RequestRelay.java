package dev.phalanx.node.http;

import dev.phalanx.node.upstream.UpstreamConnection;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The forward phase of a {@link ProxyExchange}, request side: the head and body go to the current attempt's
 * upstream connection ({@link RequestWriter} holds what may be replayed), the body is held while no connection is
 * up, and the client is read only while the upstream can take more. Counts the body against the route's limit.
 */
final class RequestRelay {
    private final ExchangeHost host;
    private final UpstreamTimer timer;
    private final RequestWriter writer;
    private long maxBody = Long.MAX_VALUE;
    private long bytesIn;
    private boolean ended;
    private boolean sent;

    RequestRelay(ExchangeHost host, UpstreamTimer timer, RequestWriter writer) {
        this.host = host;
        this.timer = timer;
        this.writer = writer;
    }

    void maxBody(long bytes) {
        this.maxBody = bytes;
    }

    /** The whole request came from the client. */
    boolean ended() {
        return ended;
    }

    /**
     * The request ended, or has no body by its framing (HTTP/1.1 without Content-Length or Transfer-Encoding): an
     * answer given before its empty end arrived still leaves the connection reusable (the handler drops that end).
     */
    boolean complete() {
        return ended || writer.bodyless();
    }

    /** The whole request went to the current attempt's upstream. */
    boolean sent() {
        return sent;
    }

    long bytesIn() {
        return bytesIn;
    }

    RequestWriter writer() {
        return writer;
    }

    /** A connection for the attempt is up: send the head and whatever body is held. */
    void begin(UpstreamConnection connection, HttpRequest head) {
        if (writer.begin(connection, head)) {
            wentUp();
        }
        pauseIfBusy(connection);
    }

    /**
     * A piece of the client's body.
     *
     * @param upstream the attempt's connection, or null while it is being opened (the piece is held)
     * @param discard  the exchange ended already: the piece is only counted and released
     * @return false when the body passed the route's limit (the piece was released; the caller answers 413)
     */
    boolean content(HttpContent content, UpstreamConnection upstream, boolean discard) {
        bytesIn += content.content().readableBytes();
        if (content instanceof LastHttpContent) {
            ended = true;
        }
        if (discard) {
            content.release();
            return true;
        }
        if (bytesIn > maxBody) {
            content.release();
            return false;
        }
        if (upstream == null) {
            writer.hold(content);
            return true;
        }
        if (writer.piece(upstream, content)) {
            wentUp();
        } else {
            timer.activity();
        }
        pauseIfBusy(upstream);
        return true;
    }

    /** The next attempt starts over: nothing of the request went to it yet. */
    void retrying() {
        sent = false;
    }

    /** The tunnel ended after relaying {@code bytes} from the client. */
    void tunnelEnded(long bytes) {
        bytesIn += bytes;
        ended = true;
    }

    private void wentUp() {
        sent = true;
        timer.requestSent();
    }

    private void pauseIfBusy(UpstreamConnection upstream) {
        if (!upstream.isWritable()) {
            host.pause(PauseReason.UPSTREAM_BUSY);
        }
    }
}
