package dev.phalanx.node.ratelimit;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request waiting for its key's lease. It ends exactly once, by whoever claims it first: a token handed over, a
 * refusal (budget spent, lease failed), the wait's bound, {@link #cancel} when the client went away, or the end of
 * its window (the request is then checked again in the next window and may wait on as {@code next}, within the same
 * bound).
 */
public final class Parked {
    final Parking owner;
    final RouteLimits route;
    final KeyQuota key;
    final Bucket bucket;
    private final LeaseWaits waits;
    private final AtomicBoolean done = new AtomicBoolean();
    // owner's thread only: a wait moved to the next window continues as {@code next}
    Parked next;
    boolean gone;
    boolean expired;

    Parked(LeaseWaits waits, Parking owner, RouteLimits route, KeyQuota key, Bucket bucket) {
        this.waits = waits;
        this.owner = owner;
        this.route = route;
        this.key = key;
        this.bucket = bucket;
    }

    boolean waiting() {
        return !done.get();
    }

    /** Takes the right to end this wait; true once. */
    boolean claim() {
        return !done.get() && done.compareAndSet(false, true);
    }

    /**
     * The request is gone (client closed, exchange ended): forget it; no decision is delivered after this. Call on
     * the owner's thread.
     */
    public void cancel() {
        waits.cancel(this);
    }
}
