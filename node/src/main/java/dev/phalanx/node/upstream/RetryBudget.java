package dev.phalanx.node.upstream;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Caps retries so that a struggling backend is not hit with a retry storm: within each one-second window, retries
 * may add at most {@code percent}% of the requests seen in the previous window, but always at least
 * {@code minPerSecond}. Shared by all event loops; lock-free.
 */
public final class RetryBudget {
    private final int percent;
    private final int minPerSecond;
    private final LongAdder requests = new LongAdder();
    private final AtomicLong retriesInWindow = new AtomicLong();
    private final AtomicLong windowStart = new AtomicLong(System.nanoTime());
    private volatile long previousWindowRequests;

    public RetryBudget(int percent, int minPerSecond) {
        this.percent = percent;
        this.minPerSecond = minPerSecond;
    }

    public void onRequest() {
        roll();
        requests.increment();
    }

    /** @return true when a retry may be made now (and counts it) */
    public boolean tryAcquireRetry() {
        roll();
        long allowed = Math.max(minPerSecond, previousWindowRequests * percent / 100);
        long n = retriesInWindow.incrementAndGet();
        if (n > allowed) {
            retriesInWindow.decrementAndGet();
            return false;
        }
        return true;
    }

    private void roll() {
        long start = windowStart.get();
        long now = System.nanoTime();
        if (now - start >= 1_000_000_000L && windowStart.compareAndSet(start, now)) {
            previousWindowRequests = requests.sumThenReset();
            retriesInWindow.set(0);
        }
    }
}
