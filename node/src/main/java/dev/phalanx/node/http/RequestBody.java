package dev.phalanx.node.http;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;

/**
 * The request body pieces of one exchange that the proxy holds: {@code pending} were received but not yet written
 * upstream (the connection is still opening); {@code replay} were written and are kept (as retained duplicates) so a
 * retry can send them again, up to {@link #REPLAY_LIMIT} bytes. Past that limit the body is not replayable and
 * retries after the first body byte went out are off. Every piece held is released by {@link #release()}.
 */
final class RequestBody {
    static final int REPLAY_LIMIT = 64 * 1024;

    // created on first use: most requests have no body piece to hold
    private ArrayDeque<HttpContent> pending;
    private ArrayDeque<HttpContent> replay;
    private long replayBytes;
    private boolean replayable = true;
    private boolean anySent;
    // an empty end of body (the common GET) is not copied for replay: a rewind adds a fresh empty end instead
    private boolean emptyEndSent;

    void addPending(HttpContent c) {
        if (pending == null) {
            pending = new ArrayDeque<>(4);
        }
        pending.add(c);
    }

    HttpContent pollPending() {
        return pending == null ? null : pending.poll();
    }

    /** Remembers a piece about to be written upstream (keeps a retained duplicate while replay is possible). */
    void sent(HttpContent c) {
        if (c.content().isReadable()) {
            anySent = true;
        }
        if (!replayable) {
            return;
        }
        if (c instanceof LastHttpContent last && !c.content().isReadable() && last.trailingHeaders().isEmpty()) {
            emptyEndSent = true;
            return;
        }
        replayBytes += c.content().readableBytes();
        if (replayBytes > REPLAY_LIMIT) {
            replayable = false;
            releaseReplay();
            return;
        }
        if (replay == null) {
            replay = new ArrayDeque<>(4);
        }
        replay.add(c.retainedDuplicate());
    }

    /** True when some body byte was written upstream in this attempt. */
    boolean anySent() {
        return anySent;
    }

    /** True when a new attempt can send the whole body seen so far. */
    boolean replayable() {
        return replayable || !anySent;
    }

    /** Moves the replay copies back in front of the pending pieces for a new attempt. */
    void rewind() {
        if (!replayable) {
            return;
        }
        if (emptyEndSent) {
            // nothing can follow the end of the body, so pending is empty here
            addPending(LastHttpContent.EMPTY_LAST_CONTENT);
            emptyEndSent = false;
        }
        HttpContent c;
        while (replay != null && (c = replay.pollLast()) != null) {
            if (pending == null) {
                pending = new ArrayDeque<>(4);
            }
            pending.addFirst(c);
        }
        replayBytes = 0;
        anySent = false;
    }

    void release() {
        HttpContent c;
        while (pending != null && (c = pending.poll()) != null) {
            c.release();
        }
        releaseReplay();
    }

    private void releaseReplay() {
        HttpContent c;
        while (replay != null && (c = replay.poll()) != null) {
            c.release();
        }
    }
}
