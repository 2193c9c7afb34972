package dev.phalanx.node.http;

import dev.phalanx.cluster.model.RetriesSpec;

/**
 * When a failed attempt may be tried again (docs/contract.md#routes-and-pools: retries only when safe). A connect
 * failure is always safe;
 * {@code reset}, {@code timeout} and the 502/503/504 statuses only for idempotent methods; never past the route's
 * attempts, and never when the request body can no longer be replayed. The node-wide retry budget is checked by the
 * caller after these rules.
 */
final class RetryRules {
    private RetryRules() {
    }

    /** The upstream statuses a route may retry on: 502, 503, 504. */
    static boolean retryableCode(int code) {
        return code == 502 || code == 503 || code == 504;
    }

    /** An upstream answered 502/503/504: may the answer be dropped and the request tried again? */
    static boolean retryableStatus(RetriesSpec r, int code, int attemptsSoFar, boolean idempotent,
                                   boolean bodyReplayable) {
        return retryableCode(code) && attemptsSoFar <= r.attempts()
                && r.on(Integer.toString(code)) && idempotent && bodyReplayable;
    }

    /**
     * @param staleConnection a reused keep-alive connection failed before any response or body byte: the backend
     *     most likely closed it while idle and never saw the request, so it is retried even when the route's
     *     conditions do not name it (once, on top of the configured attempts)
     */
    static boolean allowed(RetriesSpec r, String condition, boolean staleConnection, int attemptsSoFar,
                           boolean idempotent, boolean bodyReplayable) {
        boolean withinAttempts = attemptsSoFar <= r.attempts() || staleConnection && attemptsSoFar <= r.attempts() + 1;
        boolean conditionMatches = r.on(condition) || staleConnection;
        boolean safe = "connect-failure".equals(condition) || staleConnection || idempotent;
        return withinAttempts && conditionMatches && safe && bodyReplayable;
    }
}
