package dev.phalanx.node.upstream;

import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded queue of one pool's requests waiting for a slot on their endpoint (docs/configuration.md#connection-caps-and-the-queue),
 * shared by all of the node's event loops, without locks: each endpoint keeps its waiters oldest first in a
 * lock-free deque ({@link Endpoint#waiters}), the pool counts them with one atomic against {@code queue.size}.
 *
 * <p>Whoever frees a slot on an endpoint (a request ended, a connection closed, caps raised) calls {@link #wakeNext}:
 * while the endpoint {@linkplain Endpoint#mayAdmit may admit}, it claims the oldest waiter with a compare-and-set and
 * hands it to the waiter's OWN event loop ({@code execute}), where the exchange tries again. A connection that went
 * idle wakes a waiter of its own loop first ({@link #idleOn}). A
 * waiter that loses the race goes back to the head ({@link #requeue}). A waiter leaves by being woken, by its
 * timeout (on its loop) or by {@link Waiter#cancel} (its exchange ended); exactly one of them wins the claim.
 */
public final class PoolAdmission {
    private static final int QUEUED = 0;
    private static final int WOKEN = 1;
    private static final int DONE = 2;

    /** How much longer another loop's oldest waiter may have waited before a freed connection goes to it. */
    static final long LOCAL_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final String poolId;
    private final AtomicInteger queued = new AtomicInteger();
    private volatile int queueSize = Integer.MAX_VALUE;
    private volatile long queueTimeoutNanos = Duration.ofSeconds(5).toNanos();

    public PoolAdmission(String poolId) {
        this.poolId = poolId;
    }

    public String poolId() {
        return poolId;
    }

    /** Sets the queue's bounds (a config change; waiters already queued keep their deadline). */
    public void configure(int size, Duration timeout) {
        this.queueSize = size;
        this.queueTimeoutNanos = timeout.toNanos();
    }

    /** Requests waiting now, over all endpoints and loops. */
    public int queued() {
        return queued.get();
    }

    public int queueSize() {
        return queueSize;
    }

    /**
     * Queues a request for {@code endpoint} behind the ones already waiting. Runs on {@code loop}, the request's.
     *
     * @param onWake    run on {@code loop} when a slot may be free: try again, and {@link #requeue} when not
     * @param onTimeout run on {@code loop} when the wait ran out (the waiter is then out of the queue)
     * @return the waiter, or null when the queue holds {@code queue.size} requests already
     */
    public Waiter enqueue(Endpoint endpoint, EventLoop loop, Runnable onWake, Runnable onTimeout) {
        if (queued.incrementAndGet() > queueSize) {
            queued.decrementAndGet();
            return null;
        }
        Waiter w = new Waiter(endpoint, loop, onWake, onTimeout);
        endpoint.waiters.addLast(w);
        w.timer = loop.schedule(w::expire, queueTimeoutNanos, TimeUnit.NANOSECONDS);
        wakeNext(endpoint); // a slot freed between the caller's try and the add above must not be missed
        return w;
    }

    /**
     * Puts a woken waiter that found no slot back at the head of its endpoint's queue. Runs on the waiter's loop.
     *
     * @param checkAgain wake again at once if the endpoint may admit now (false when the caller asked another loop
     *                   to retire an idle connection: its close wakes the queue, and trying before would spin)
     * @return false when the waiter's time ran out meanwhile (then it is not queued: answer the timeout)
     */
    public boolean requeue(Waiter w, boolean checkAgain) {
        if (w.expired || w.cancelled) {
            w.state.set(DONE);
            return false;
        }
        queued.incrementAndGet();
        w.state.set(QUEUED);
        w.endpoint.waiters.addFirst(w);
        if (checkAgain) {
            wakeNext(w.endpoint);
        }
        return true;
    }

    /**
     * A connection to {@code endpoint} went idle on {@code loop} (on that loop): wakes that loop's oldest waiter, who
     * takes the connection as it is, unless a waiter of another loop has waited more than {@link #LOCAL_SLACK_NANOS}
     * longer: then that one is woken, and asks this loop to retire the idle connection so that it may open its own
     * (a channel lives on one loop). Handing every freed connection to the oldest waiter anywhere costs a TCP
     * handshake per request when the waiter is on another loop (measured: 1,122 connections accepted by the backend
     * for 3,000 requests over a cap of 4); serving a little out of order keeps connections where they are, and a loop
     * that holds none still gets one once its oldest has waited the slack longer.
     */
    void idleOn(Endpoint endpoint, EventLoop loop) {
        if (!endpoint.requestSlotFree()) {
            return;
        }
        Waiter oldest = null;
        Waiter local = null;
        for (Waiter w : endpoint.waiters) {
            if (w.state.get() != QUEUED) {
                continue;
            }
            if (oldest == null) {
                oldest = w;
            }
            if (w.loop == loop) {
                local = w;
                break;
            }
        }
        Waiter chosen = oldest;
        if (local != null) {
            long now = System.nanoTime();
            // the slack grows with the wait: under a steady queue both loops' oldest waiters differ by chance
            long slack = Math.max(LOCAL_SLACK_NANOS, (now - local.queuedAtNanos) / 2);
            if (local.queuedAtNanos - oldest.queuedAtNanos <= slack) {
                chosen = local;
            }
        }
        if (chosen == null || !chosen.state.compareAndSet(QUEUED, WOKEN)) {
            return; // no one waits, or a race took it: whoever took it was woken for a slot
        }
        endpoint.waiters.remove(chosen);
        queued.decrementAndGet();
        chosen.loop.execute(chosen::wake);
    }

    /** Wakes the oldest waiter of {@code endpoint} if a slot may be free; any thread. */
    void wakeNext(Endpoint endpoint) {
        while (endpoint.mayAdmit()) {
            Waiter w = endpoint.waiters.pollFirst();
            if (w == null) {
                return;
            }
            if (w.state.compareAndSet(QUEUED, WOKEN)) {
                queued.decrementAndGet();
                w.loop.execute(w::wake);
                return;
            }
        }
    }

    /** One waiting request. Its fields other than {@code state} are touched only on its event loop. */
    public final class Waiter {
        private final AtomicInteger state = new AtomicInteger(QUEUED);
        private final Endpoint endpoint;
        private final EventLoop loop;
        private final Runnable onWake;
        private final Runnable onTimeout;
        private final long queuedAtNanos = System.nanoTime();
        private ScheduledFuture<?> timer;
        private boolean expired;
        private boolean cancelled;

        private Waiter(Endpoint endpoint, EventLoop loop, Runnable onWake, Runnable onTimeout) {
            this.endpoint = endpoint;
            this.loop = loop;
            this.onWake = onWake;
            this.onTimeout = onTimeout;
        }

        public Endpoint endpoint() {
            return endpoint;
        }

        /** Nanoseconds since the request first queued. */
        public long waitedNanos() {
            return System.nanoTime() - queuedAtNanos;
        }

        /** The request got its slot after a wake: stop the timer. On the waiter's loop. */
        public void admitted() {
            state.set(DONE);
            timer.cancel(false);
        }

        /** The exchange ended while waiting (client gone): leave the queue, or pass a wake already under way on. */
        public void cancel() {
            cancelled = true;
            timer.cancel(false);
            if (state.compareAndSet(QUEUED, DONE)) {
                leave();
            }
        }

        private void wake() {
            if (cancelled) {
                state.set(DONE);
                // the slot this wake stood for (free, or an idle connection of its loop) goes to the next waiter
                wakeNext(endpoint);
                if (endpoint.idleConnections() > 0) {
                    idleOn(endpoint, loop);
                }
                return;
            }
            onWake.run();
        }

        private void expire() {
            expired = true;
            if (state.compareAndSet(QUEUED, DONE)) {
                leave();
                onTimeout.run();
            }
            // else a wake is on its way to this loop: the exchange tries once more, and requeue says it timed out
        }

        private void leave() {
            endpoint.waiters.remove(this);
            queued.decrementAndGet();
        }
    }
}
