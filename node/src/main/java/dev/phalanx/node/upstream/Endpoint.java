package dev.phalanx.node.upstream;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One backend address of one pool, as compiled from config. The same object lives across config reloads as long as
 * the pool keeps the address (so connection pools, health and outlier state survive a reload).
 *
 * <p>Availability is written by {@code node.health} (active verdict, outlier ejection) and read on the request path
 * with two volatile reads. {@code inFlight} counts requests in progress across all event loops (least-request).
 */
public final class Endpoint {
    private final String poolId;
    private final String address;
    private final InetSocketAddress socketAddress;
    private final int weight;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
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

    public void requestEnded() {
        inFlight.decrementAndGet();
    }

    /** Open upstream connections to this endpoint, over all event loops. */
    public int connections() {
        return connections.get();
    }

    void connectionOpened() {
        connections.incrementAndGet();
    }

    void connectionClosed() {
        connections.decrementAndGet();
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
