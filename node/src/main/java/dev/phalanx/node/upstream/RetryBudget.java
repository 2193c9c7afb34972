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
 *
 * <p>Each pool has its own budget (docs/configuration.md#protecting-the-backends), kept across config changes that
 * leave its settings as they were.
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

    public int percent() {
        return percent;
    }

    public int minPerSecond() {
        return minPerSecond;
    }

    /** True when this budget has these settings (then a config change keeps it, with its state). */
    public boolean sameSettings(int percent, int minPerSecond) {
        return this.percent == percent && this.minPerSecond == minPerSecond;
    }

    /** What the budget stands at, for {@code /cluster}: the retries allowed and made in the current window. */
    public State state() {
        roll();
        return new State(Math.max(minPerSecond, previousWindowRate * percent / 100), retriesInWindow.get(),
                previousWindowRate);
    }

    /**
     * @param allowed retries allowed in the current one-second window
     * @param used retries made in it
     * @param requestsPerSecond the request rate the allowance is based on (the previous window's)
     */
    public record State(long allowed, long used, long requestsPerSecond) {
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
