package dev.phalanx.node.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Writes a final upstream response down the client connection (no flush: the exchange flushes at the end of each
 * upstream read). The head is held back until the body's first piece or the end of the upstream read, so that a
 * response whose whole body came in the same read goes down the pipeline as one full message: the encoder then
 * puts a small body in the head's buffer, one socket write instead of a gathering write of two, and the
 * downstream handlers see one message instead of two. Event-loop only; one per exchange.
 */
final class ResponseWriter {
    private final ChannelHandlerContext ctx;
    private HttpResponse heldHead;

    ResponseWriter(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    void head(HttpResponse head) {
        heldHead = head;
    }

    void content(HttpContent content, boolean last) {
        HttpResponse head = heldHead;
        if (head == null) {
            ctx.write(content, ctx.voidPromise());
            return;
        }
        heldHead = null;
        if (last) {
            ctx.write(head == content ? head : new DefaultFullHttpResponse(head.protocolVersion(), head.status(),
                    content.content(), head.headers(), ((LastHttpContent) content).trailingHeaders()),
                    ctx.voidPromise());
            return;
        }
        ctx.write(head, ctx.voidPromise());
        ctx.write(content, ctx.voidPromise());
    }

    /** The upstream read ended: a head still held goes now (its body follows in later reads). */
    void endOfRead() {
        if (heldHead != null) {
            ctx.write(heldHead, ctx.voidPromise());
            heldHead = null;
        }
    }
}
