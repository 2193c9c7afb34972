package dev.phalanx.node.ratelimit;

import dev.phalanx.cluster.model.RateLimitSpec;
import dev.phalanx.cluster.state.QuotaService;
import dev.phalanx.node.metrics.Meters;
import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The request-path limiter of a node. {@link #check} runs on the event loop: it spends a token this node holds for
 * the request's key and window, never waits and never calls the network. Leases come from the {@link QuotaService}
 * off the event loop (on this limiter's thread), asked for at a low-water mark so they normally arrive before the
 * held tokens run out. A request that finds no token while a lease is still on its way gets a refusal that
 * {@link Verdict#mayWait may wait}: its owner can {@link #park} it until the lease answers (at most the route's
 * {@code maxWait}, 100 ms unless set; at most {@link LeaseWaits#MAX_WAITING_PER_KEY} requests per key and {@link LeaseWaits#MAX_WAITING} in all),
 * and it is admitted only with a token handed over from that lease, so the node never admits a token it was not
 * granted. A {@code local} quota service is asked inline instead: it completes at once without a lock.
 *
 * <p>Every {@link #TICK_MILLIS} ms the limiter's thread gives back the tokens of windows that are over, forgets keys
 * idle for a whole window, and prefetches the next window's lease for keys busy in this one (so a steady client
 * does not meet an empty bucket at each window boundary).
 */
public final class RateLimiter implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RateLimiter.class.getName());
    static final long TICK_MILLIS = 50;
    /** Keys tracked per route; more share one overflow key. */
    public static final int DEFAULT_MAX_KEYS = 10_000;
    private static final int MAX_PENDING_CALLS = 10_000;
    private static final long IDLE_ROUTE_MILLIS = 60_000;
    /** Requests of one key that may wait on one node at once (and never more than the key's limit); more are refused. */

    private final QuotaService quota;
    private final boolean inline;
    private final LongSupplier clock;
    private final Executor calls;
    private final ScheduledExecutorService thread;
    private final int maxKeys;
    private final Map<String, RouteLimits> routes = new ConcurrentHashMap<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final Counter leaseCalls;
    private final LeaseWaits waits;

    /** The node's limiter, with its own daemon thread for lease calls and window ends. */
    public RateLimiter(QuotaService quota, Meters meters) {
        this(quota, meters, System::currentTimeMillis, null, DEFAULT_MAX_KEYS);
    }

    /**
     * @param calls where lease calls run; null for this limiter's own thread (which then also runs {@link #tick}
     *              every {@link #TICK_MILLIS} ms); tests pass a queue they run by hand
     */
    RateLimiter(QuotaService quota, Meters meters, LongSupplier clock, Executor calls, int maxKeys) {
        this.quota = quota;
        this.inline = "local".equals(quota.kind());
        this.clock = clock;
        this.maxKeys = maxKeys;
        if (calls == null) {
            thread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "phalanx-ratelimit");
                t.setDaemon(true);
                return t;
            });
            thread.scheduleWithFixedDelay(this::safeTick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
            this.calls = thread;
        } else {
            thread = null;
            this.calls = calls;
        }
        this.leaseCalls = meters.rateLimitLeases();
        meters.rateLimiter(this, l -> l.quota.degraded() ? 1 : 0, RateLimiter::trackedKeys);
        this.waits = new LeaseWaits(this, meters, clock);
    }

    /**
     * Decides one request of a route with a limit. Event-loop safe: no lock, no wait, no network.
     *
     * @param client the client address the node computed (trusted-proxy aware)
     */
    public Verdict check(String routeId, RateLimitSpec spec, InetAddress client, HttpHeaders headers) {
        long now = clock.getAsLong();
        RouteLimits r = routes.get(routeId);
        if (r == null || r.spec != spec && !r.spec.equals(spec)) {
            r = replaceRoute(routeId, spec, now);
        }
        r.touch(now);
        return decide(r, r.quota(r.keyOf(client, headers), now / r.windowMillis), now);
    }

    /** A waiting request whose window ended, checked again in the window now running (on its owner's thread). */
    Verdict recheck(RouteLimits r, KeyQuota k) {
        return decide(r, k, clock.getAsLong());
    }

    private Verdict decide(RouteLimits r, KeyQuota k, long now) {
        long w = now / r.windowMillis;
        Bucket b = k.current();
        if (b.window < w) {
            Bucket old = b;
            b = k.bucketFor(w);
            retire(r, k, old);
        }
        b.seen();
        boolean ok = b.tryTake();
        if (!ok || b.held() <= LeaseSizing.lowWater(leaseSize(r, k, b))) {
            askLease(r, k, b);
            if (!ok) {
                ok = b.tryTake(); // an inline lease has arrived already
            }
        }
        long resetMillis = (b.window + 1) * r.windowMillis - now;
        int reset = RateLimitHeaders.ceilSeconds(resetMillis);
        int remaining = b.held() + (inline && !b.exhausted() ? (int) Math.max(0, r.limit - b.granted()) : 0);
        if (!ok && !inline && r.maxWaitMillis > 0 && b.leasing() && !b.exhausted()) {
            return new Verdict(b.window, false, r.policyName, r.policy, remaining, reset, 1, new WaitSpot(r, k, b));
        }
        return new Verdict(b.window, ok, r.policyName, r.policy, remaining, reset, b.exhausted() ? reset : 1);
    }

    /** The key and window a {@link Verdict#mayWait waiting} refusal is about. */
    record WaitSpot(RouteLimits route, KeyQuota key, Bucket bucket) {
    }

    /**
     * Parks a request whose verdict {@link Verdict#mayWait may wait} until its key's lease answers: the owner's
     * {@link Parking#decided} then gets an admitting verdict (a token of that lease was spent for it) or a refusal
     * (budget spent, lease failed, window over, or the route's {@code maxWait} gone). Requests of one key are served
     * in the order they parked and share the one lease call. Event-loop safe: no lock, no wait.
     *
     * @return the wait (cancel it when the request goes away), or null when too many requests wait already: refuse
     *         the request with its verdict
     */
    public Parked park(Verdict verdict, Parking owner) {
        return waits.park(verdict, owner);
    }

    /** Requests waiting for a lease on this node, all keys. */
    int waitingRequests() {
        return waits.waiting();
    }

    /**
     * The route's limits for {@code spec}: the ones in place when their spec is equal, else fresh ones that retire the
     * old. Two event loops can meet a route's first requests at once: only one of them may install its limits (a
     * plain put let the second retire the first one's limits, refusing a request that was already waiting).
     */
    private RouteLimits replaceRoute(String routeId, RateLimitSpec spec, long now) {
        while (true) {
            RouteLimits current = routes.get(routeId);
            if (current != null && (current.spec == spec || current.spec.equals(spec))) {
                return current;
            }
            RouteLimits fresh = new RouteLimits(routeId, spec, maxKeys, now);
            boolean installed = current == null
                    ? routes.putIfAbsent(routeId, fresh) == null
                    : routes.replace(routeId, current, fresh);
            if (installed) {
                if (current != null) {
                    retireAll(current);
                }
                return fresh;
            }
        }
    }

    private static int leaseSize(RouteLimits r, KeyQuota k, Bucket b) {
        return LeaseSizing.size(r.limit, Math.max(k.previousSeen(), b.seenCount()));
    }

    void askLease(RouteLimits r, KeyQuota k, Bucket b) {
        askLease(r, k, b, leaseSize(r, k, b));
    }

    private void askLease(RouteLimits r, KeyQuota k, Bucket b, int wanted) {
        if (!b.startLease()) {
            return;
        }
        if (inline) {
            lease(r, k, b, wanted);
            return;
        }
        if (pending.incrementAndGet() > MAX_PENDING_CALLS) {
            pending.decrementAndGet();
            b.leaseFailed();
            return;
        }
        try {
            calls.execute(() -> {
                pending.decrementAndGet();
                lease(r, k, b, wanted);
            });
        } catch (RejectedExecutionException e) {
            pending.decrementAndGet();
            b.leaseFailed();
        }
    }

    private void lease(RouteLimits r, KeyQuota k, Bucket b, int wanted) {
        if (b.closed()) {
            b.leaseFailed(); // the window ended while the call waited its turn (its waiters moved on)
            return;
        }
        leaseCalls.increment();
        try {
            quota.lease(k.quotaKey, b.window, r.windowMillis, r.limit, wanted).whenComplete((granted, err) -> {
                if (err != null) {
                    b.leaseFailed();
                    waits.refuseAll(b);
                    return;
                }
                int back = b.leased(granted, wanted);
                if (back > 0) {
                    giveBack(k.quotaKey, b.window, r.windowMillis, back);
                }
                waits.serve(r, k, b);
            });
        } catch (RuntimeException e) {
            LOG.warning("rate-limit lease for " + r.routeId + " failed: " + e);
            b.leaseFailed();
            waits.refuseAll(b);
        }
    }

    /**
     * A bucket whose window is over: its unspent tokens go back (drain hands them out once), its waiting requests
     * are checked again in the window now running.
     */
    void retire(RouteLimits r, KeyQuota k, Bucket b) {
        int unused = b.drain();
        waits.moveAll(b);
        if (unused > 0) {
            giveBack(k.quotaKey, b.window, r.windowMillis, unused);
        }
    }

    private void retireAll(RouteLimits r) {
        for (KeyQuota k : r.keys().values()) {
            waits.refuseAll(k.current()); // the route changed or the node stops: its waiting requests are refused
            retire(r, k, k.current());
            Bucket n = k.next();
            if (n != null) {
                retire(r, k, n);
            }
        }
    }

    private void giveBack(String key, long window, long windowMillis, int unused) {
        if (inline) {
            quota.giveBack(key, window, windowMillis, unused);
            return;
        }
        try {
            calls.execute(() -> quota.giveBack(key, window, windowMillis, unused));
        } catch (RejectedExecutionException e) {
            // closing: the tokens are just not reused (never over the limit)
        }
    }

    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warning("rate-limit housekeeping failed: " + e);
        }
    }

    /**
     * Housekeeping, off the event loop: gives back the tokens of finished windows, forgets keys idle for a whole
     * window and routes unused for a minute, and prefetches the next window for keys busy in the last fifth of
     * this one (grid only: a local lease is inline anyway).
     */
    void tick() {
        long now = clock.getAsLong();
        for (Iterator<RouteLimits> ri = routes.values().iterator(); ri.hasNext(); ) {
            RouteLimits r = ri.next();
            long w = now / r.windowMillis;
            long left = (w + 1) * r.windowMillis - now;
            boolean prefetchTime = !inline && left <= Math.max(2 * TICK_MILLIS, r.windowMillis / 5);
            for (Iterator<KeyQuota> ki = r.keys().values().iterator(); ki.hasNext(); ) {
                KeyQuota k = ki.next();
                Bucket b = k.current();
                Bucket n = k.next();
                if (n != null && n.window < w && k.clearNext(n)) {
                    retire(r, k, n);
                }
                if (b.window < w) {
                    retire(r, k, b);
                    if (k.lastWindow() < w - 1 && k.next() == null) {
                        ki.remove();
                    }
                    continue;
                }
                if (prefetchTime && b.seenCount() > 0 && k.next() == null) {
                    Bucket nb = new Bucket(w + 1);
                    k.setNext(nb);
                    askLease(r, k, nb, LeaseSizing.size(r.limit, b.seenCount()));
                }
            }
            if (r.keys().isEmpty() && now - r.lastUsedMillis() > IDLE_ROUTE_MILLIS) {
                ri.remove();
            }
        }
    }

    /** Keys tracked on this node, all routes. */
    int trackedKeys() {
        int n = 0;
        for (RouteLimits r : routes.values()) {
            n += r.keys().size();
        }
        return n;
    }

    /** True while the quota service grants from its local fallback share. */
    public boolean degraded() {
        return quota.degraded();
    }

    public String kind() {
        return quota.kind();
    }

    /** Gives back what this node holds and stops the limiter's thread (the quota service is closed by its owner). */
    @Override
    public void close() {
        routes.values().forEach(this::retireAll);
        if (thread != null) {
            thread.shutdown();
            try {
                thread.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
