package dev.phalanx.node.http;

import dev.phalanx.node.ratelimit.RateLimiter;
import dev.phalanx.node.ratelimit.Verdict;
import dev.phalanx.node.routing.Route;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetAddress;
import java.util.function.Consumer;

/**
 * One exchange's rate-limit check on its route: spends a token this node holds; without one, while the key's lease
 * is on its way, parks the exchange until the limiter decides ({@link RateLimitWait}); else refuses. Keeps the
 * verdict for the {@code RateLimit-*} response headers. Event-loop only.
 */
final class ExchangeLimit {
    enum Outcome { ADMITTED, PARKED, REFUSED }

    private final RateLimiter limiter;
    private Verdict verdict;
    private RateLimitWait wait;

    ExchangeLimit(RateLimiter limiter) {
        this.limiter = limiter;
    }

    /**
     * @param decided called on {@code loop} with the answer when the outcome was {@link Outcome#PARKED}
     *                (true: admitted), unless {@link #cancel() cancelled} first
     */
    Outcome check(Route route, InetAddress client, HttpHeaders headers, EventExecutor loop, Consumer<Boolean> decided) {
        verdict = limiter.check(route.id(), route.spec().rateLimit(), client, headers);
        if (verdict.admitted()) {
            return Outcome.ADMITTED;
        }
        if (verdict.mayWait()) {
            wait = RateLimitWait.park(limiter, verdict, loop, v -> {
                wait = null;
                verdict = v;
                decided.accept(v.admitted());
            });
            if (wait != null) {
                return Outcome.PARKED;
            }
        }
        return Outcome.REFUSED;
    }

    /** Adds the verdict's {@code RateLimit-*} headers (to the response, the 429 included). */
    void addHeaders(HttpHeaders h) {
        if (verdict != null) {
            verdict.addHeaders(h);
        }
    }

    /** The exchange ended: a wait still on is given up. */
    void cancel() {
        if (wait != null) {
            wait.cancel();
            wait = null;
        }
    }
}
