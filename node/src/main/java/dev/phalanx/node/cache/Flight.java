package dev.phalanx.node.cache;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request on its way upstream for a key that other requests missed too (request coalescing): they wait here,
 * each on its own event loop, until the first one's response was stored (or turned out not storable, or failed),
 * and are then woken with {@code eventLoop.execute}; or until their wait bound passes. No locks: waiters go into a
 * lock-free queue, and a waiter that came after the end wakes itself.
 */
public final class Flight {
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private volatile boolean ended;

    /**
     * Waits for the end of this flight: {@code woken} runs on {@code loop} once, when the flight ended or after
     * {@code waitMillis}, with {@code true} for the end and {@code false} for the timeout.
     *
     * @return a handle to cancel the wait (the exchange went away)
     */
    public Waiter await(EventExecutor loop, long waitMillis, java.util.function.Consumer<Boolean> woken) {
        Waiter w = new Waiter(loop, woken);
        w.timeout = loop.schedule(() -> w.fire(false), waitMillis, TimeUnit.MILLISECONDS);
        waiters.add(w);
        if (ended) {
            waiters.remove(w);
            w.wake();
        }
        return w;
    }

    /** The first request's response is stored, or will not be: every waiter is woken on its own event loop. */
    void end() {
        ended = true;
        for (Waiter w; (w = waiters.poll()) != null; ) {
            w.wake();
        }
    }

    public int waiting() {
        return waiters.size();
    }

    /** One waiting request. */
    public static final class Waiter {
        private final EventExecutor loop;
        private final java.util.function.Consumer<Boolean> woken;
        private final AtomicBoolean fired = new AtomicBoolean();
        private ScheduledFuture<?> timeout;

        private Waiter(EventExecutor loop, java.util.function.Consumer<Boolean> woken) {
            this.loop = loop;
            this.woken = woken;
        }

        private void wake() {
            loop.execute(() -> fire(true));
        }

        private void fire(boolean ended) {
            if (fired.compareAndSet(false, true)) {
                if (ended && timeout != null) {
                    timeout.cancel(false);
                }
                woken.accept(ended);
            }
        }

        /** The waiting exchange ended first: neither the wake nor the timeout will call it. */
        public void cancel() {
            if (fired.compareAndSet(false, true) && timeout != null) {
                timeout.cancel(false);
            }
        }
    }
}
