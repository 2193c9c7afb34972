package dev.phalanx.node.http;

import dev.phalanx.node.balancing.Pool;
import dev.phalanx.node.routing.Route;
import dev.phalanx.node.upstream.Endpoint;
import dev.phalanx.node.upstream.UpstreamFailure;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The upstream attempts of one exchange and the decisions about them
 * (docs/proxying.md#upstream-connections-timeouts-and-retries): picks the pool and endpoint of each attempt
 * (another endpoint than those tried, where the balancer can), reports how each ended to the endpoint and the
 * outlier detector, and says whether a failed attempt or a retryable upstream status may be tried again (the
 * route's rules in {@link RetryRules}, then the retry budget of the pool that failed), and which status the client
 * gets when not. The request counts toward the budget of the pool of its first attempt.
 * Retries are only considered while no response byte went downstream.
 */
final class ExchangeAttempts {
    private final ProxyContext context;
    private final Route route;
    private final ExchangePick pick;
    private final boolean idempotent;
    private final ExchangeAdmission admission;
    private Pool pool;
    private Endpoint endpoint;
    private int attempts;

    ExchangeAttempts(ProxyContext context, Route route, ExchangePick pick, boolean idempotent,
                     ExchangeAdmission admission) {
        this.context = context;
        this.admission = admission;
        this.route = route;
        this.pick = pick;
        this.idempotent = idempotent;
    }

    /**
     * Picks the endpoint of the next attempt and counts it; null when the pool has no available endpoint. Its request
     * slot is taken by {@link ExchangeAdmission}, and given back there when the attempt {@link #ended}.
     */
    Endpoint next() {
        pool = route.pickPool();
        endpoint = pool == null ? null : pool.pick(pick);
        if (endpoint == null) {
            return null;
        }
        if (attempts++ == 0) {
            pool.retryBudget().onRequest();
        }
        pick.tried(endpoint);
        return endpoint;
    }

    /** The current attempt ended; {@code success} feeds passive health (outlier detection). */
    void ended(boolean success) {
        if (endpoint != null) {
            admission.release();
            context.attempts().onAttempt(endpoint, success);
        }
    }

    /** The current attempt became a tunnel: it succeeded now, and is in progress until {@link #tunnelEnded}. */
    void tunnelStarted() {
        context.attempts().onAttempt(endpoint, true);
    }

    void tunnelEnded() {
        admission.release();
    }

    /** An upstream answered with {@code code}: may the answer be dropped and the request tried again? */
    boolean retryStatus(int code, boolean replayable) {
        return RetryRules.retryableStatus(route.spec().retries(), code, attempts, idempotent, replayable)
                && allowed(Integer.toString(code), false, replayable);
    }

    /**
     * An attempt failed before any response byte went downstream.
     *
     * @param staleConnection a reused keep-alive connection was reset before it answered (the backend had closed it)
     * @return null when the request is to be tried again, else the status to answer the client with
     */
    HttpResponseStatus afterFailure(UpstreamFailure failure, boolean staleConnection, boolean replayable) {
        if (allowed(failure.condition(), staleConnection, replayable)) {
            return null;
        }
        return failure == UpstreamFailure.TIMEOUT ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY;
    }

    /** A retry is about to start. */
    void retrying() {
        context.meters().upstreamRetry(pool.id());
    }

    Pool pool() {
        return pool;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    int count() {
        return attempts;
    }

    private boolean allowed(String condition, boolean staleConnection, boolean replayable) {
        if (!RetryRules.allowed(route.spec().retries(), condition, staleConnection, attempts, idempotent,
                replayable)) {
            return false;
        }
        if (!pool.retryBudget().tryAcquireRetry()) {
            context.meters().retryBudgetExhausted(pool.id());
            return false;
        }
        return true;
    }
}
