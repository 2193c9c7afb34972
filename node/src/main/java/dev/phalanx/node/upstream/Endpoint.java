package dev.phalanx.node.upstream;

import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One backend address of one pool, as compiled from config. The same object lives across config reloads as long as
 * the pool keeps the address (so connection pools, health and outlier state survive a reload).
 *
 * <p>Availability is written by {@code node.health} (active verdict, outlier ejection) and read on the request path
 * with two volatile reads. {@code inFlight} counts requests in progress across all event loops (least-request);
 * {@code connections} the upstream connections open or being opened, {@code idle} the pooled idle ones, all loops.
 * Caps ({@link #setCaps}) bound {@code inFlight} and {@code connections} with a compare-and-set; requests beyond them
 * wait in {@link #waiters} (see {@link PoolAdmission}).
 */
public final class Endpoint {
    private final String poolId;
    private final String address;
    private final InetSocketAddress socketAddress;
    private final int weight;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger idle = new AtomicInteger();
    /** Requests waiting for a slot on this endpoint, oldest first. */
    final ConcurrentLinkedDeque<PoolAdmission.Waiter> waiters = new ConcurrentLinkedDeque<>();
    private volatile int maxConnections = Integer.MAX_VALUE;
    private volatile int maxRequests = Integer.MAX_VALUE;
    private volatile PoolAdmission admission;
    private volatile boolean activeHealthy = true;
    private volatile long ejectedUntilNanos;
    private volatile boolean ejected;
    private volatile boolean removed;
    /** When it last became available again (or joined the pool), for slow start; 0 = never (full weight). */
    private volatile long rampStartNanos;

    public Endpoint(String poolId, String address, InetSocketAddress socketAddress, int weight) {
        this.poolId = poolId;
        this.address = address;
        this.socketAddress = socketAddress;
        this.weight = weight;
    }

    public String poolId() {
        return poolId;
    }

    /** The address as configured, {@code host:port}. */
    public String address() {
        return address;
    }

    /** Resolved once when the config was compiled (off the event loop). */
    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    public int weight() {
        return weight;
    }

    /** True when the active checks pass (or there are none) and the endpoint is not ejected as an outlier. */
    public boolean isAvailable() {
        if (!activeHealthy) {
            return false;
        }
        if (ejected) {
            long now = System.nanoTime();
            if (now - ejectedUntilNanos < 0) {
                return false;
            }
            ejected = false;
            startRamp(now); // back from an ejection
        }
        return true;
    }

    public boolean isActiveHealthy() {
        return activeHealthy;
    }

    public void setActiveHealthy(boolean healthy) {
        if (healthy && !activeHealthy) {
            startRamp(System.nanoTime()); // healthy again
        }
        this.activeHealthy = healthy;
    }

    /**
     * When the endpoint last became available again or joined its pool ({@code System.nanoTime()}), or 0 when it
     * has been available since the node started. Slow start ramps its share from then.
     */
    public long rampStartNanos() {
        return rampStartNanos;
    }

    /** Starts the slow-start ramp at {@code nanos} (an earlier time carries on a ramp under way). */
    public void startRamp(long nanos) {
        this.rampStartNanos = nanos == 0 ? 1 : nanos;
    }

    /** Eject until {@code System.nanoTime()} reaches {@code untilNanos}. */
    public void ejectUntil(long untilNanos) {
        this.ejectedUntilNanos = untilNanos;
        this.ejected = true;
    }

    public boolean isEjected() {
        return ejected && System.nanoTime() - ejectedUntilNanos < 0;
    }

    public int inFlight() {
        return inFlight.get();
    }

    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    /** Takes a request slot if {@code inFlight} is below {@code maxRequests}. */
    public boolean tryStartRequest() {
        int max = maxRequests;
        if (max == Integer.MAX_VALUE) {
            inFlight.incrementAndGet();
            return true;
        }
        for (int n = inFlight.get(); n < max; n = inFlight.get()) {
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Gives a request slot back and lets the next waiter of this endpoint try. */
    public void requestEnded() {
        inFlight.decrementAndGet();
        slotFreed();
    }

    /** Open (or opening) upstream connections to this endpoint, over all event loops. */
    public int connections() {
        return connections.get();
    }

    /** Pooled idle connections to this endpoint, over all event loops. */
    public int idleConnections() {
        return idle.get();
    }

    public int maxConnections() {
        return maxConnections;
    }

    public int maxRequests() {
        return maxRequests;
    }

    /** Whether requests wait for a slot on this endpoint (then a new request queues behind them). */
    public boolean hasWaiters() {
        return !waiters.isEmpty();
    }

    /** The pool's queue, or null before config set caps (tests that build endpoints by hand: unlimited). */
    public PoolAdmission admission() {
        return admission;
    }

    /** Gives back a request slot taken by {@link #tryStartRequest} and not used, without waking anyone. */
    public void requestNotStarted() {
        inFlight.decrementAndGet();
    }

    /** Sets the caps ({@link Integer#MAX_VALUE} = unlimited) and the pool's queue; run by config compile. */
    public void setCaps(int maxConnections, int maxRequests, PoolAdmission admission) {
        this.maxConnections = maxConnections;
        this.maxRequests = maxRequests;
        this.admission = admission;
        slotFreed(); // raised caps may admit waiters
    }

    /** Counts a connection about to be opened if the cap allows one more. */
    boolean tryReserveConnection() {
        int max = maxConnections;
        if (max == Integer.MAX_VALUE) {
            connections.incrementAndGet();
            return true;
        }
        for (int n = connections.get(); n < max; n = connections.get()) {
            if (connections.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    void connectionClosed() {
        connections.decrementAndGet();
        slotFreed();
    }

    /** A connection went idle on {@code loop}: a waiter of that loop takes it first (see PoolAdmission#wakeOnLoop). */
    void idleAdded(io.netty.channel.EventLoop loop) {
        idle.incrementAndGet();
        PoolAdmission a = admission;
        if (a != null && !waiters.isEmpty()) {
            a.idleOn(this, loop);
        }
    }

    void idleTaken() {
        idle.decrementAndGet();
    }

    /**
     * Whether a request of any loop could go to this endpoint now: a request slot and a connection slot. Idle
     * connections do not count here: they serve their own loop's waiters first ({@link #idleAdded}). A hint: the
     * taker still competes with a compare-and-set.
     */
    boolean mayAdmit() {
        return inFlight.get() < maxRequests && connections.get() < maxConnections;
    }

    /** Whether a request slot is free ({@code maxRequests}). */
    boolean requestSlotFree() {
        return inFlight.get() < maxRequests;
    }

    private void slotFreed() {
        PoolAdmission a = admission;
        if (a != null && !waiters.isEmpty()) {
            a.wakeNext(this);
        }
    }

    /** Set when a config change dropped this endpoint: pooled idle connections to it are closed, none are reused. */
    public boolean isRemoved() {
        return removed;
    }

    public void markRemoved() {
        this.removed = true;
    }

    @Override
    public String toString() {
        return poolId + "/" + address;
    }
}
