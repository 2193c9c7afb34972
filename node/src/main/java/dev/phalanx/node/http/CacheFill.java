package dev.phalanx.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A response body being copied into the cache while it streams to the client (one copy per fill, none per hit):
 * into one pooled direct buffer, sized from {@code Content-Length} when declared. Past {@code maxBytes} the fill is
 * abandoned and its buffer released at once: nothing is held beyond the object limit. Event-loop only.
 */
final class CacheFill {
    private static final int INITIAL = 8 * 1024;

    private final long maxBytes;
    private ByteBuf body;

    /** @param declared the response's Content-Length, -1 when unknown (then it must be at most {@code maxBytes}) */
    CacheFill(ByteBufAllocator alloc, long declared, long maxBytes) {
        this.maxBytes = maxBytes;
        int initial = declared >= 0 ? (int) declared : (int) Math.min(INITIAL, maxBytes);
        this.body = alloc.directBuffer(Math.max(initial, 0), (int) maxBytes);
    }

    /** Copies a piece (not taken); false when the fill was abandoned (now or before). */
    boolean add(ByteBuf piece) {
        if (body == null) {
            return false;
        }
        int n = piece.readableBytes();
        if (body.readableBytes() + (long) n > maxBytes) {
            abandon();
            return false;
        }
        body.writeBytes(piece, piece.readerIndex(), n);
        return true;
    }

    boolean abandoned() {
        return body == null;
    }

    /**
     * The body, handed to the caller (null when abandoned). A buffer that grew (unknown length) is copied to its
     * exact size when that saves a quarter or more: the store weighs what it holds, not what was reserved.
     */
    ByteBuf take() {
        ByteBuf b = body;
        body = null;
        if (b != null && b.capacity() - b.readableBytes() > b.capacity() / 4) {
            ByteBuf exact = b.alloc().directBuffer(b.readableBytes(), b.readableBytes());
            exact.writeBytes(b);
            b.release();
            return exact;
        }
        return b;
    }

    void abandon() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
