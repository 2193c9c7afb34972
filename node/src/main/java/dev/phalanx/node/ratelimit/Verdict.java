package dev.phalanx.node.ratelimit;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * The decision on one request, with what the response headers say (draft-ietf-httpapi-ratelimit-headers, structured
 * fields): {@code RateLimit-Policy: "ROUTE";q=LIMIT;w=WINDOW_SECONDS} and {@code RateLimit: "ROUTE";r=REMAINING;
 * t=SECONDS_TO_RESET}, plus {@code Retry-After: SECONDS} on a 429. {@code r} is what this node can still admit
 * without asking the cluster (exact on a node without a grid, a lower bound with one).
 */
public final class Verdict {
    private final boolean admitted;
    private final String policyName;
    private final String policy;
    private final int remaining;
    private final int resetSeconds;
    private final int retryAfterSeconds;
    private final long window;
    /** Where a refused request may wait for the lease in flight ({@link #mayWait}); null on every other verdict. */
    final RateLimiter.WaitSpot waitSpot;

    Verdict(long window, boolean admitted, String policyName, String policy, int remaining, int resetSeconds,
            int retryAfterSeconds) {
        this(window, admitted, policyName, policy, remaining, resetSeconds, retryAfterSeconds, null);
    }

    Verdict(long window, boolean admitted, String policyName, String policy, int remaining, int resetSeconds,
            int retryAfterSeconds, RateLimiter.WaitSpot waitSpot) {
        this.waitSpot = waitSpot;
        this.admitted = admitted;
        this.policyName = policyName;
        this.policy = policy;
        this.remaining = remaining;
        this.resetSeconds = resetSeconds;
        this.retryAfterSeconds = retryAfterSeconds;
        this.window = window;
    }

    /** The window whose budget decided (the bucket's, which at a boundary may be a clock tick off the caller's). */
    long window() {
        return window;
    }

    public boolean admitted() {
        return admitted;
    }

    /**
     * True for a refusal that is only "not yet": this node holds no token for the key but a lease for it is on its
     * way and the budget is not known to be spent. The caller may {@link RateLimiter#park park} the request until
     * the lease answers instead of refusing it now.
     */
    public boolean mayWait() {
        return waitSpot != null;
    }

    public int remaining() {
        return remaining;
    }

    public int resetSeconds() {
        return resetSeconds;
    }

    /** Seconds a rejected client should wait: to the window's end when the budget is spent, else 1. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** Sets {@code RateLimit-Policy}, {@code RateLimit} and, when rejected, {@code Retry-After}. */
    public void addHeaders(HttpHeaders headers) {
        headers.set(RateLimitHeaders.POLICY, policy);
        headers.set(RateLimitHeaders.RATE_LIMIT, policyName + ";r=" + remaining + ";t=" + resetSeconds);
        if (!admitted) {
            headers.set(RateLimitHeaders.RETRY_AFTER, Integer.toString(retryAfterSeconds));
        }
    }
}
