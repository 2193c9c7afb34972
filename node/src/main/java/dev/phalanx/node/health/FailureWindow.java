package dev.phalanx.node.health;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Successes and failures of one endpoint over a sliding window, in {@value #BUCKETS} time buckets, for circuit
 * breaking by failure rate. Lock-free: each bucket is one {@code long} holding its time slot and both counts, updated
 * by compare-and-set from any event loop, so a bucket that has aged out is reset by the first update that lands in
 * its new slot and no count is lost to a race with the reset.
 *
 * <p>Layout of a bucket: bits 63..40 the slot number (mod 2^24), 39..20 failures, 19..0 successes; a count stops at
 * 2^20 - 1 (a million attempts per bucket and endpoint).
 */
final class FailureWindow {
    static final int BUCKETS = 10;
    private static final int COUNT_BITS = 20;
    private static final long COUNT_MAX = (1L << COUNT_BITS) - 1;
    private static final int SLOT_SHIFT = 2 * COUNT_BITS;
    private static final long SLOT_MASK = (1L << 24) - 1;

    private final long windowNanos;
    private final long bucketNanos;
    private final LongSupplier nanoClock;
    private final AtomicLongArray buckets = new AtomicLongArray(BUCKETS);

    FailureWindow(long windowNanos, LongSupplier nanoClock) {
        this.windowNanos = windowNanos;
        this.bucketNanos = Math.max(1, windowNanos / BUCKETS);
        this.nanoClock = nanoClock;
        long slot = slot(nanoClock.getAsLong());
        for (int i = 0; i < BUCKETS; i++) {
            buckets.set(i, ((slot - BUCKETS) & SLOT_MASK) << SLOT_SHIFT); // out of the window, empty
        }
    }

    long windowNanos() {
        return windowNanos;
    }

    /** Counts one attempt. Any thread; never waits. */
    void record(boolean success) {
        long slot = slot(nanoClock.getAsLong());
        int index = (int) (slot % BUCKETS);
        long stamp = slot & SLOT_MASK;
        int shift = success ? 0 : COUNT_BITS;
        while (true) {
            long v = buckets.get(index);
            long next;
            if (v >>> SLOT_SHIFT != stamp) {
                next = (stamp << SLOT_SHIFT) | (1L << shift);
            } else if (((v >>> shift) & COUNT_MAX) == COUNT_MAX) {
                return;
            } else {
                next = v + (1L << shift);
            }
            if (buckets.compareAndSet(index, v, next)) {
                return;
            }
        }
    }

    /** The attempts and failures in the window now. */
    Counts counts() {
        long slot = slot(nanoClock.getAsLong());
        long successes = 0;
        long failures = 0;
        for (int i = 0; i < BUCKETS; i++) {
            long v = buckets.get(i);
            long age = (slot - (v >>> SLOT_SHIFT)) & SLOT_MASK;
            if (age < BUCKETS) {
                successes += v & COUNT_MAX;
                failures += (v >>> COUNT_BITS) & COUNT_MAX;
            }
        }
        return new Counts(successes + failures, failures);
    }

    /** Forgets every count (after an ejection the endpoint comes back with a clean window). */
    void clear() {
        long slot = slot(nanoClock.getAsLong());
        for (int i = 0; i < BUCKETS; i++) {
            buckets.set(i, ((slot - BUCKETS) & SLOT_MASK) << SLOT_SHIFT);
        }
    }

    private long slot(long nanos) {
        return Math.floorDiv(nanos, bucketNanos) & Long.MAX_VALUE;
    }

    /** Attempts and failed attempts in the window. */
    record Counts(long requests, long failures) {
        /** True when there were at least {@code minRequests} and at least {@code thresholdPercent}% failed. */
        boolean trips(int thresholdPercent, int minRequests) {
            return requests >= minRequests && requests > 0 && failures * 100 >= (long) thresholdPercent * requests;
        }

        int failurePercent() {
            return requests == 0 ? 0 : (int) (failures * 100 / requests);
        }
    }
}
