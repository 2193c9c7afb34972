package dev.phalanx.cluster.state;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * In-memory grant counters of one process, one per limit key and window: grants {@code min(wanted, budget -
 * granted)} with a compare-and-set loop (no lock), takes back what is returned, and forgets windows once they are
 * over. Used by {@link LocalQuotaService} (budget = the limit) and as the fallback share of the grid implementation
 * (budget = limit / expected members).
 */
final class WindowCounters {
    private final Map<Slot, Counter> counters = new ConcurrentHashMap<>();

    private record Slot(String key, long window) {
    }

    private static final class Counter {
        final AtomicLong granted = new AtomicLong();
        final long expiresAtMillis;

        Counter(long expiresAtMillis) {
            this.expiresAtMillis = expiresAtMillis;
        }
    }

    /** Grants up to {@code wanted} of {@code budget} in the window; 0 when the budget is spent. */
    int grant(String key, long window, long windowMillis, long budget, int wanted) {
        if (wanted <= 0 || budget <= 0) {
            return 0;
        }
        Counter c = counters.computeIfAbsent(new Slot(key, window), s -> new Counter(expiry(window, windowMillis)));
        while (true) {
            long granted = c.granted.get();
            long give = Math.min(wanted, budget - granted);
            if (give <= 0) {
                return 0;
            }
            if (c.granted.compareAndSet(granted, granted + give)) {
                return (int) give;
            }
        }
    }

    /** Takes back up to {@code unused} tokens (never more than were granted); returns how many were taken back. */
    int takeBack(String key, long window, int unused) {
        Counter c = unused <= 0 ? null : counters.get(new Slot(key, window));
        if (c == null) {
            return 0;
        }
        while (true) {
            long granted = c.granted.get();
            long back = Math.min(unused, granted);
            if (back <= 0) {
                return 0;
            }
            if (c.granted.compareAndSet(granted, granted - back)) {
                return (int) back;
            }
        }
    }

    /** Tokens granted so far in the window (0 if none or forgotten). */
    long granted(String key, long window) {
        Counter c = counters.get(new Slot(key, window));
        return c == null ? 0 : c.granted.get();
    }

    /** Forgets windows that ended more than one window ago. */
    void sweep(long nowMillis) {
        counters.values().removeIf(c -> c.expiresAtMillis <= nowMillis);
    }

    int size() {
        return counters.size();
    }

    /** A window's counter is kept until one full window after it ended (late give-backs still find it). */
    static long expiry(long window, long windowMillis) {
        return (window + 2) * windowMillis;
    }
}
