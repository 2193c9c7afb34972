package dev.phalanx.node.http;

import dev.phalanx.node.ratelimit.Parked;
import dev.phalanx.node.ratelimit.Parking;
import dev.phalanx.node.ratelimit.RateLimiter;
import dev.phalanx.node.ratelimit.Verdict;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An exchange's wait for its rate-limit lease ({@link RateLimiter#park}): the limiter's answers and the wait's bound
 * run on the exchange's event loop, and end in the exchange's callback unless it {@link #cancel cancelled} first.
 */
final class RateLimitWait implements Parking {
    private final EventExecutor loop;
    private final Consumer<Verdict> onDecided;
    private Parked parked;
    private boolean over;

    private RateLimitWait(EventExecutor loop, Consumer<Verdict> onDecided) {
        this.loop = loop;
        this.onDecided = onDecided;
    }

    /** Parks the request, or returns null when too many wait already (the caller refuses it with its verdict). */
    static RateLimitWait park(RateLimiter limiter, Verdict verdict, EventExecutor loop, Consumer<Verdict> onDecided) {
        RateLimitWait w = new RateLimitWait(loop, onDecided);
        w.parked = limiter.park(verdict, w);
        return w.parked == null ? null : w;
    }

    @Override
    public void execute(Runnable task) {
        loop.execute(task);
    }

    @Override
    public void schedule(Runnable task, long delayMillis) {
        loop.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void decided(Verdict verdict) {
        if (!over) {
            over = true;
            onDecided.accept(verdict);
        }
    }

    /** The exchange ended while waiting (client gone, error): the limiter forgets the request. */
    void cancel() {
        if (!over) {
            over = true;
            parked.cancel();
        }
    }
}
