package dev.phalanx.node.ratelimit;

import dev.phalanx.node.metrics.Meters;
import io.micrometer.core.instrument.Counter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The requests of a node that wait for their key's lease ({@link RateLimiter#park}): per key and window a queue on
 * the bucket, served in order from the tokens each lease brings, refused when the budget is spent, the lease failed
 * or the window ended, and ended by the owner's timer after the route's {@code maxWait}. Every wait ends once, by
 * whoever {@link Parked#claim claims} it. Bounded: {@link #MAX_WAITING_PER_KEY} per key (never more than the key's
 * limit) and {@link #MAX_WAITING} in all; beyond that a request is refused at once.
 */
final class LeaseWaits {
    /** Requests of one key that may wait on one node at once (and never more than the key's limit). */
    static final int MAX_WAITING_PER_KEY = 100;
    /** Requests that may wait on one node at once, all keys. */
    static final int MAX_WAITING = 10_000;

    private final RateLimiter limiter;
    private final LongSupplier clock;
    private final AtomicInteger waiting = new AtomicInteger();
    private final Counter admitted;
    private final Counter refused;
    private final Counter timedOut;
    private final Counter cancelled;
    private final Counter full;

    LeaseWaits(RateLimiter limiter, Meters meters, LongSupplier clock) {
        this.limiter = limiter;
        this.clock = clock;
        meters.gauge("phalanx.ratelimit.waiting", "requests waiting for a rate-limit lease on this node", this,
                LeaseWaits::waiting);
        this.admitted = counter(meters, "admitted");
        this.refused = counter(meters, "refused");
        this.timedOut = counter(meters, "timeout");
        this.cancelled = counter(meters, "cancelled");
        this.full = counter(meters, "full");
    }

    /** {@code phalanx_ratelimit_waits_total{outcome}}: how the waits for a lease ended. */
    private static Counter counter(Meters meters, String outcome) {
        return Counter.builder("phalanx.ratelimit.waits").description("waits for a rate-limit lease, by outcome")
                .tag("outcome", outcome).register(meters.registry());
    }

    /** See {@link RateLimiter#park}. */
    Parked park(Verdict verdict, Parking owner) {
        RateLimiter.WaitSpot s = verdict.waitSpot;
        if (s == null) {
            throw new IllegalArgumentException("verdict: this refusal cannot wait");
        }
        Parked p = enqueue(s, owner);
        if (p == null) {
            return null;
        }
        owner.schedule(() -> expire(p), s.route().maxWaitMillis);
        serve(s.route(), s.key(), s.bucket()); // the lease may have answered between the check and now
        return p;
    }

    private Parked enqueue(RateLimiter.WaitSpot s, Parking owner) {
        if (waiting.incrementAndGet() > MAX_WAITING) {
            waiting.decrementAndGet();
            full.increment();
            return null;
        }
        Parked p = new Parked(this, owner, s.route(), s.key(), s.bucket());
        if (!s.bucket().parked(true).tryAdd(p, (int) Math.min(MAX_WAITING_PER_KEY, s.route().limit))) {
            waiting.decrementAndGet();
            full.increment();
            return null;
        }
        return p;
    }

    /** The window of {@code b} is over: its waiting requests are checked again, each on its owner's thread. */
    void moveAll(Bucket b) {
        ParkQueue q = b.parked(false);
        if (q == null) {
            return;
        }
        Parked p;
        while ((p = q.peek()) != null) {
            if (p.claim()) {
                end(p);
                Parked moved = p;
                p.owner.execute(() -> recheck(moved));
            } else {
                q.remove(p);
            }
        }
    }

    /** On the owner's thread: the request of an ended window, in the window now running (same wait bound). */
    private void recheck(Parked p) {
        if (p.gone) {
            cancelled.increment();
            return;
        }
        Verdict v = limiter.recheck(p.route, p.key);
        if (v.admitted() || !v.mayWait() || p.expired) {
            (v.admitted() ? admitted : p.expired ? timedOut : refused).increment();
            p.owner.decided(v);
            return;
        }
        Parked n = enqueue(v.waitSpot, p.owner);
        if (n == null) {
            p.owner.decided(v);
            return;
        }
        p.next = n;
        serve(n.route, n.key, n.bucket);
    }

    /** Hands held tokens to waiting requests in order; asks for the next lease or refuses them when none come. */
    void serve(RouteLimits r, KeyQuota k, Bucket b) {
        ParkQueue q = b.parked(false);
        if (q == null) {
            return;
        }
        Parked p;
        while ((p = q.peek()) != null) {
            if (!p.waiting()) {
                q.remove(p);
                continue;
            }
            if (!b.tryTake()) {
                break;
            }
            if (p.claim()) {
                end(p);
                decide(p, true);
            } else {
                b.putBack(); // it ended meanwhile (timed out, cancelled): the token stays for the next one
                q.remove(p);
                if (b.closed()) {
                    limiter.retire(r, k, b);
                }
            }
        }
        if (q.isEmpty()) {
            return;
        }
        if (b.closed()) {
            moveAll(b); // the window is over (also for a request that parked just as it was retired)
            return;
        }
        if (!b.exhausted() && !b.leasing()) {
            limiter.askLease(r, k, b);
        }
        if (b.exhausted() || !b.leasing()) {
            refuseAll(b); // the budget is spent, or no lease could be asked for (too many lease calls queued)
        }
    }

    void refuseAll(Bucket b) {
        ParkQueue q = b.parked(false);
        if (q == null) {
            return;
        }
        Parked p;
        while ((p = q.peek()) != null) {
            if (p.claim()) {
                end(p);
                decide(p, false);
            } else {
                q.remove(p);
            }
        }
    }

    /** The wait's bound, on the owner's thread. */
    private void expire(Parked p) {
        if (p.claim()) {
            end(p);
            timedOut.increment();
            p.owner.decided(verdictFor(p, false));
        } else if (p.next != null) {
            expire(p.next); // moved to the next window: the bound is the same
        } else {
            p.expired = true; // moving: its recheck admits only with a token at hand
        }
    }

    /** On the owner's thread. */
    void cancel(Parked p) {
        if (p.claim()) {
            end(p);
            cancelled.increment();
        } else {
            p.gone = true;
            if (p.next != null) {
                cancel(p.next);
            }
        }
    }

    private void end(Parked p) {
        ParkQueue q = p.bucket.parked(false);
        q.remove(p);
        q.ended();
        waiting.decrementAndGet();
    }

    private void decide(Parked p, boolean ok) {
        (ok ? admitted : refused).increment();
        Verdict v = verdictFor(p, ok);
        p.owner.execute(() -> p.owner.decided(v));
    }

    private Verdict verdictFor(Parked p, boolean admitted) {
        Bucket b = p.bucket;
        RouteLimits r = p.route;
        int reset = RateLimitHeaders.ceilSeconds((b.window + 1) * r.windowMillis - clock.getAsLong());
        return new Verdict(b.window, admitted, r.policyName, r.policy, b.held(), reset, b.exhausted() ? reset : 1);
    }

    int waiting() {
        return waiting.get();
    }
}
