package dev.phalanx.node.ratelimit;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * The tokens this node holds for one key in one window. Event loops take tokens with a compare-and-set loop (no
 * lock, no wait); lease results add tokens from whatever thread completes them. When the window is over the bucket
 * is drained once ({@link #drain}) and what is left goes back to the quota service.
 */
final class Bucket {
    private static final AtomicReferenceFieldUpdater<Bucket, ParkQueue> PARKED =
            AtomicReferenceFieldUpdater.newUpdater(Bucket.class, ParkQueue.class, "parked");
    final long window;
    private final AtomicInteger tokens = new AtomicInteger();
    private final AtomicInteger seen = new AtomicInteger();
    private final AtomicLong granted = new AtomicLong();
    private final AtomicBoolean leasing = new AtomicBoolean();
    private volatile boolean exhausted;
    private volatile boolean closed;
    private volatile ParkQueue parked;

    Bucket(long window) {
        this.window = window;
    }

    /** Counts one request of this window on this node (admitted or not): the node's recent traffic for sizing. */
    void seen() {
        seen.incrementAndGet();
    }

    int seenCount() {
        return seen.get();
    }

    /** Takes one token if one is held. */
    boolean tryTake() {
        while (true) {
            int t = tokens.get();
            if (t <= 0) {
                return false;
            }
            if (tokens.compareAndSet(t, t - 1)) {
                return true;
            }
        }
    }

    /** Puts back a token taken for a wait that ended meanwhile. */
    void putBack() {
        tokens.incrementAndGet();
    }

    /** The requests waiting for this bucket's lease: null when none ever waited (unless {@code create}). */
    ParkQueue parked(boolean create) {
        ParkQueue q = parked;
        if (q == null && create) {
            PARKED.compareAndSet(this, null, new ParkQueue());
            q = parked;
        }
        return q;
    }

    int held() {
        return tokens.get();
    }

    long granted() {
        return granted.get();
    }

    /** True when the budget of the window said no: no more leases are asked for in this window. */
    boolean exhausted() {
        return exhausted;
    }

    boolean closed() {
        return closed;
    }

    /** Claims the right to ask for the next lease (one lease in flight per bucket). */
    boolean startLease() {
        return !exhausted && !closed && !leasing.get() && leasing.compareAndSet(false, true);
    }

    void leaseFailed() {
        leasing.set(false);
    }

    /**
     * Adds a lease's grant. A grant smaller than asked means the window's budget is spent.
     *
     * @return tokens to give back at once because the window was closed meanwhile (0 normally)
     */
    int leased(int grantedNow, int wanted) {
        if (grantedNow > 0) {
            granted.addAndGet(grantedNow);
            tokens.addAndGet(grantedNow);
        }
        if (grantedNow < wanted) {
            exhausted = true;
        }
        leasing.set(false);
        return closed ? tokens.getAndSet(0) : 0;
    }

    boolean leasing() {
        return leasing.get();
    }

    /** Closes the window: returns the unspent tokens, once (later calls return 0). */
    int drain() {
        closed = true;
        return tokens.getAndSet(0);
    }
}
