package dev.phalanx.node.http;

import dev.phalanx.node.upstream.ConnectionPools;
import dev.phalanx.node.upstream.Endpoint;
import dev.phalanx.node.upstream.PoolAdmission;
import dev.phalanx.node.upstream.UpstreamListener;
import io.netty.channel.EventLoop;

/**
 * One exchange's admission to its picked endpoint under the pool's caps (docs/configuration.md#connection-caps-and-the-queue):
 * takes a request slot ({@code maxRequests}) and a connection (an idle one of this loop, or a new one under
 * {@code maxConnections}), or waits in the pool's queue ({@link PoolAdmission}). Holds at most one request slot and
 * gives it back exactly once ({@link #release}, and {@link #close} when the exchange ends on any path). Event-loop
 * only.
 */
final class ExchangeAdmission {
    enum Result { ADMITTED, QUEUED, FULL, TIMEOUT }

    private final ConnectionPools pools;
    private final EventLoop loop;
    private Endpoint held;
    private PoolAdmission.Waiter waiter;

    ExchangeAdmission(ConnectionPools pools, EventLoop loop) {
        this.pools = pools;
        this.loop = loop;
    }

    /**
     * Asks for {@code endpoint}. ADMITTED: a connection was lent to {@code listener} (maybe already) or is being
     * opened. QUEUED: {@code onWake} runs on this loop when a slot may be free (then call {@link #retry}),
     * {@code onTimeout} when the wait ran out. FULL: the queue is full.
     */
    Result enter(Endpoint endpoint, long connectTimeoutMillis, UpstreamListener listener, Runnable onWake,
                 Runnable onTimeout) {
        // requests already waiting for this endpoint go first
        if (!endpoint.hasWaiters() && acquire(endpoint, connectTimeoutMillis, listener)) {
            return Result.ADMITTED;
        }
        PoolAdmission admission = endpoint.admission();
        waiter = admission == null ? null : admission.enqueue(endpoint, loop, onWake, onTimeout);
        if (waiter == null) {
            return Result.FULL;
        }
        if (endpoint.idleConnections() > 0 && !pools.forLoop(loop).holdsConnection(endpoint)) {
            // this loop has no connection to the endpoint, others hold idle ones: retire one for this request (a
            // loop with connections of its own waits for them: moving a connection costs a TCP handshake)
            pools.retireIdle(endpoint, loop);
        }
        return Result.QUEUED;
    }

    /** After a wake: ADMITTED, QUEUED again (at the head), or TIMEOUT when the wait ran out meanwhile. */
    Result retry(long connectTimeoutMillis, UpstreamListener listener) {
        PoolAdmission.Waiter w = waiter;
        Endpoint endpoint = w.endpoint();
        waiter = null; // first: a connect failing at once may retry, and queue again, inside acquire
        if (acquire(endpoint, connectTimeoutMillis, listener)) {
            w.admitted();
            return Result.ADMITTED;
        }
        waiter = w;
        // the connection cap is the limit while another loop holds an idle connection: this waiter was chosen for
        // it (PoolAdmission#idleOn), so ask that loop to retire it (its close wakes the queue); otherwise the next
        // freed slot wakes this one
        boolean idleElsewhere = endpoint.idleConnections() > 0;
        if (!endpoint.admission().requeue(w, !idleElsewhere)) {
            waiter = null;
            return Result.TIMEOUT;
        }
        if (idleElsewhere) {
            pools.retireIdle(endpoint, loop);
        }
        return Result.QUEUED;
    }

    /** {@code c}, reused, was found closed by the backend: its older idle peers on this loop go too. */
    void staleConnection(dev.phalanx.node.upstream.UpstreamConnection c) {
        pools.forLoop(loop).dropStale(c.endpoint(), c.idleSinceNanos());
    }

    /** Whether the exchange waits in the queue now. */
    boolean queued() {
        return waiter != null;
    }

    /** The queue timed out (the waiter already left it). */
    void timedOut() {
        waiter = null;
    }

    /** The attempt that held the request slot ended: give it back (once). */
    void release() {
        Endpoint e = held;
        if (e != null) {
            held = null;
            e.requestEnded();
        }
    }

    /** The exchange ended, on whatever path: give back the slot, leave the queue. */
    void close() {
        release();
        if (waiter != null) {
            waiter.cancel();
            waiter = null;
        }
    }

    private boolean acquire(Endpoint endpoint, long connectTimeoutMillis, UpstreamListener listener) {
        if (!endpoint.tryStartRequest()) {
            return false;
        }
        held = endpoint; // before acquire: a pooled connection is handed over (onConnected) at once
        if (pools.forLoop(loop).acquire(endpoint, connectTimeoutMillis, listener)) {
            return true;
        }
        held = null;
        endpoint.requestNotStarted();
        return false;
    }
}
