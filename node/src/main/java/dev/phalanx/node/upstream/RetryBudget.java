package dev.phalanx.node.upstream;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Caps retries so that a struggling backend is not hit with a retry storm: within each one-second window, retries
 * may add at most {@code percent}% of the request rate (per second) of the window before, but always at least
 * {@code minPerSecond}. Shared by all event loops; lock-free.
 *
 * <p>A request only counts itself, so the hot path reads no clock; the window rolls when a retry is asked for.
 * A window that lasted longer than a second (no retry for a while) gives its average rate per second: the budget
 * follows the rate requests came at, not how many came since the last retry.
 */
public final class RetryBudget {
    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final int percent;
    private final int minPerSecond;
    private final LongSupplier nanoClock;
    private final LongAdder requests = new LongAdder();
    private final AtomicLong retriesInWindow = new AtomicLong();
    private final AtomicLong windowStart;
    private volatile long previousWindowRate;

    public RetryBudget(int percent, int minPerSecond) {
        this(percent, minPerSecond, System::nanoTime);
    }

    RetryBudget(int percent, int minPerSecond, LongSupplier nanoClock) {
        this.percent = percent;
        this.minPerSecond = minPerSecond;
        this.nanoClock = nanoClock;
        this.windowStart = new AtomicLong(nanoClock.getAsLong());
    }

    public void onRequest() {
        requests.increment();
    }

    /** @return true when a retry may be made now (and counts it) */
    public boolean tryAcquireRetry() {
        roll();
        long allowed = Math.max(minPerSecond, previousWindowRate * percent / 100);
        long n = retriesInWindow.incrementAndGet();
        if (n > allowed) {
            retriesInWindow.decrementAndGet();
            return false;
        }
        return true;
    }

    private void roll() {
        long start = windowStart.get();
        long now = nanoClock.getAsLong();
        long elapsed = now - start;
        if (elapsed >= WINDOW_NANOS && windowStart.compareAndSet(start, now)) {
            long seen = requests.sumThenReset();
            previousWindowRate = (long) (seen * ((double) WINDOW_NANOS / elapsed));
            retriesInWindow.set(0);
        }
    }
}
