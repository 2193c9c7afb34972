package dev.phalanx.node.ratelimit;

/**
 * The owner of a request that waits for a lease ({@link RateLimiter#park}): in the proxy, the HTTP exchange and its
 * event loop. The limiter calls it from whatever thread answers the lease; everything the owner sees runs on its own
 * thread through {@link #execute} and {@link #schedule}.
 */
public interface Parking {

    /** Runs {@code task} later on the request's own thread (its event loop); never inline. */
    void execute(Runnable task);

    /** Runs {@code task} on the request's own thread after {@code delayMillis} ms (the wait's bound). */
    void schedule(Runnable task, long delayMillis);

    /**
     * The wait's outcome, on the request's own thread, at most once (never after {@link Parked#cancel}): admitted
     * with a token, or refused because the budget is spent, the wait ran out or the lease failed.
     */
    void decided(Verdict verdict);
}
