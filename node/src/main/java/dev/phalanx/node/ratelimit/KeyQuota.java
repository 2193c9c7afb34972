package dev.phalanx.node.ratelimit;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One limit key of one route on this node: the bucket of the current window and, near a window's end, the bucket
 * prefetched for the next one. Rolling to a new window is one compare-and-set; the loser of a race uses the
 * winner's bucket.
 */
final class KeyQuota {
    final String quotaKey;
    private final AtomicReference<Bucket> current;
    private volatile Bucket next;
    private volatile int previousSeen;
    private volatile long lastWindow;

    KeyQuota(String quotaKey, long window) {
        this.quotaKey = quotaKey;
        this.current = new AtomicReference<>(new Bucket(window));
        this.lastWindow = window;
    }

    /**
     * The bucket of window {@code w}: the current one, or a new (or prefetched) one that replaces an older current
     * one. The caller drains the replaced bucket ({@link Bucket#drain} hands its tokens out once).
     */
    Bucket bucketFor(long w) {
        Bucket b = current.get();
        if (b.window >= w) {
            return b; // same window (or a thread whose clock read is a little behind: spend from the newer one)
        }
        Bucket prefetched = next;
        Bucket nb = prefetched != null && prefetched.window == w ? prefetched : new Bucket(w);
        if (current.compareAndSet(b, nb)) {
            previousSeen = b.window == w - 1 ? b.seenCount() : 0;
            if (prefetched == nb) {
                next = null;
            }
            lastWindow = w;
            return nb;
        }
        return current.get();
    }

    Bucket current() {
        return current.get();
    }

    Bucket next() {
        return next;
    }

    void setNext(Bucket b) {
        next = b;
    }

    /** Clears the prefetched bucket if it is still {@code b}. */
    boolean clearNext(Bucket b) {
        if (next == b) {
            next = null;
            return true;
        }
        return false;
    }

    /** This node's requests for the key in the last finished window (0 if it saw none). */
    int previousSeen() {
        return previousSeen;
    }

    /** The last window a request used this key. */
    long lastWindow() {
        return lastWindow;
    }
}
