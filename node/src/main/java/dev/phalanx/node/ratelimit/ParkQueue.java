package dev.phalanx.node.ratelimit;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The requests of one key and window waiting on this node for a lease, first come first served, at most
 * {@code cap} at once. Created on the first wait of a bucket only, so buckets that never wait carry nothing.
 */
final class ParkQueue {
    private final ConcurrentLinkedQueue<Parked> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();

    /** Adds {@code p} unless {@code cap} requests wait already. */
    boolean tryAdd(Parked p, int cap) {
        while (true) {
            int n = size.get();
            if (n >= cap) {
                return false;
            }
            if (size.compareAndSet(n, n + 1)) {
                queue.add(p);
                return true;
            }
        }
    }

    Parked peek() {
        return queue.peek();
    }

    /** Removes an ended wait (the one that claimed it calls this once; others may too, harmlessly). */
    void remove(Parked p) {
        queue.remove(p);
    }

    /** One fewer waiting request (called once per claimed wait). */
    void ended() {
        size.decrementAndGet();
    }

    int size() {
        return size.get();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }
}
