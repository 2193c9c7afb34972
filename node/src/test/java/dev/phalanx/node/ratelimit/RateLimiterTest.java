package dev.phalanx.node.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.RateLimitSpec;
import dev.phalanx.cluster.state.LocalQuotaService;
import dev.phalanx.node.metrics.Meters;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The limiter on a clock the test moves: exact counts, headers, leases in flight, give-backs, prefetch, key cap. */
class RateLimiterTest {
    private static final long T0 = 1_000_000_000_000L; // a window boundary for 1 s windows
    private final AtomicLong clock = new AtomicLong(T0);
    private final Deque<Runnable> calls = new ArrayDeque<>();
    private final HttpHeaders none = new DefaultHttpHeaders();
    private final Meters meters = new Meters();
    private LocalQuotaService local;
    private HeldQuota held;

    @AfterEach
    void close() {
        if (local != null) {
            local.close();
        }
        if (held != null) {
            held.close();
        }
    }

    private RateLimiter localLimiter(int maxKeys) {
        local = new LocalQuotaService(clock::get);
        return new RateLimiter(local, meters, clock::get, calls::add, maxKeys);
    }

    private RateLimiter gridLimiter() {
        held = new HeldQuota(clock::get);
        return new RateLimiter(held, meters, clock::get, calls::add, 100);
    }

    private void runCalls() {
        Runnable r;
        while ((r = calls.poll()) != null) {
            r.run();
        }
    }

    private static RateLimitSpec spec(String key, long limit) {
        return new RateLimitSpec(key, limit, Duration.ofSeconds(1));
    }

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void localAdmitsExactlyTheLimitPerWindowWithHeaders() throws Exception {
        RateLimiter l = localLimiter(100);
        RateLimitSpec s = spec("route", 10);
        clock.set(T0 + 300);
        int admitted = 0;
        for (int i = 0; i < 25; i++) {
            Verdict v = l.check("api", s, ip("10.0.0.1"), none);
            if (v.admitted()) {
                admitted++;
                assertEquals(10 - admitted, v.remaining(), "remaining after " + admitted);
            } else {
                assertEquals(0, v.remaining());
                assertEquals(1, v.retryAfterSeconds(), "0.7 s to the window end, rounded up");
            }
        }
        assertEquals(10, admitted);
        HttpHeaders h = new DefaultHttpHeaders();
        l.check("api", s, null, none).addHeaders(h);
        assertEquals("\"api\";q=10;w=1", h.get("RateLimit-Policy"));
        assertEquals("\"api\";r=0;t=1", h.get("RateLimit"));
        assertEquals("1", h.get("Retry-After"));

        clock.set(T0 + 1000); // next window: a fresh budget
        admitted = 0;
        for (int i = 0; i < 25; i++) {
            admitted += l.check("api", s, null, none).admitted() ? 1 : 0;
        }
        assertEquals(10, admitted);
        assertTrue(calls.isEmpty(), "a local quota is asked inline, never through the executor");
    }

    @Test
    void retryAfterCountsToTheWindowEndOfLongWindows() {
        RateLimiter l = localLimiter(100);
        RateLimitSpec s = new RateLimitSpec("route", 1, Duration.ofMinutes(1));
        clock.set(60_000L * 1_000_000 + 15_500); // 44.5 s before the window ends
        assertTrue(l.check("r", s, null, none).admitted());
        Verdict v = l.check("r", s, null, none);
        assertFalse(v.admitted());
        assertEquals(45, v.retryAfterSeconds());
        HttpHeaders h = new DefaultHttpHeaders();
        v.addHeaders(h);
        assertEquals("\"r\";q=1;w=60", h.get("RateLimit-Policy"));
        assertEquals("\"r\";r=0;t=45", h.get("RateLimit"));
    }

    @Test
    void clientIpAndHeaderKeysAreCountedApart() throws Exception {
        RateLimiter l = localLimiter(100);
        RateLimitSpec byIp = spec("client-ip", 3);
        for (String a : new String[] {"10.0.0.1", "10.0.0.2", "::1"}) {
            int n = 0;
            for (int i = 0; i < 5; i++) {
                n += l.check("ip", byIp, ip(a), none).admitted() ? 1 : 0;
            }
            assertEquals(3, n, a);
        }
        RateLimitSpec byHeader = spec("header:x-api-key", 2);
        HttpHeaders alice = new DefaultHttpHeaders().add("X-Api-Key", "alice");
        HttpHeaders bob = new DefaultHttpHeaders().add("x-api-key", "bob");
        int a = 0;
        int b = 0;
        int anonymous = 0;
        for (int i = 0; i < 4; i++) {
            a += l.check("h", byHeader, ip("10.0.0.1"), alice).admitted() ? 1 : 0;
            b += l.check("h", byHeader, ip("10.0.0.1"), bob).admitted() ? 1 : 0;
            anonymous += l.check("h", byHeader, ip("10.0.0.9"), none).admitted() ? 1 : 0;
        }
        assertEquals(2, a);
        assertEquals(2, b);
        assertEquals(2, anonymous, "requests without the header share one key");
    }

    @Test
    void withoutAHeldTokenARequestIsRejectedNeverAdmittedOnCredit() {
        RateLimiter l = gridLimiter();
        RateLimitSpec s = spec("route", 100);
        clock.set(T0 + 100);
        Verdict first = l.check("api", s, null, none);
        assertFalse(first.admitted(), "no token held and the lease not answered yet");
        assertEquals(1, first.retryAfterSeconds(), "the budget is not spent: come back soon");
        assertFalse(l.check("api", s, null, none).admitted());
        runCalls();
        assertEquals(1, held.waiting(), "one lease in flight per key, however many requests came");
        held.answerAll();
        // the first lease: 2% of the limit (cold key); at one token left (the low-water mark) the next is asked for
        assertTrue(l.check("api", s, null, none).admitted());
        assertEquals(1, calls.size(), "the low-water lease is on its way");
        assertTrue(l.check("api", s, null, none).admitted());
        assertFalse(l.check("api", s, null, none).admitted(), "both tokens spent, the next lease not answered");
        runCalls();
        held.answerAll();
        assertTrue(l.check("api", s, null, none).admitted());
    }

    @Test
    void hammeredThroughDelayedLeasesTheWindowNeverGoesOverTheLimit() {
        RateLimiter l = gridLimiter();
        RateLimitSpec s = spec("route", 100);
        int admitted = 0;
        for (int i = 0; i < 2000; i++) {
            clock.set(T0 + i / 4); // 2000 requests over 0.5 s
            admitted += l.check("api", s, null, none).admitted() ? 1 : 0;
            if (i % 7 == 0) { // leases answer late, now and then
                runCalls();
                held.answerAll();
            }
        }
        runCalls();
        held.answerAll();
        while (l.check("api", s, null, none).admitted()) {
            admitted++;
        }
        assertEquals(100, admitted, "every token of the budget spent, none more");
        long leases = held.leases.get();
        assertTrue(leases >= 10 && leases <= 60, "leases of 2-10% of the limit: " + leases);
    }

    @Test
    void unusedTokensGoBackAtTheWindowEnd() {
        RateLimiter l = gridLimiter();
        RateLimitSpec s = spec("route", 1000);
        clock.set(T0 + 10);
        l.check("api", s, null, none);
        runCalls();
        held.answerAll();
        assertTrue(l.check("api", s, null, none).admitted()); // holds 20 - 1
        runCalls();
        held.answerAll(); // the low-water lease (held 19 <= 10? no) — whatever it held, it goes back
        clock.set(T0 + 1000);
        l.tick();
        runCalls();
        assertTrue(held.givenBack.get() >= 19, "given back: " + held.givenBack.get());
        assertEquals(0, held.counters.lease("rl|api|route|1000|", T0 / 1000, 1000, 1000, 1_000_000)
                .toCompletableFuture().join() - (1000 - 1), "the budget minus the one spent token is free again");
    }

    @Test
    void aBusyKeyIsPrefetchedSoTheNextWindowStartsWithTokens() {
        RateLimiter l = gridLimiter();
        RateLimitSpec s = spec("route", 100);
        clock.set(T0 + 10);
        l.check("api", s, null, none);
        runCalls();
        held.answerAll();
        for (int i = 0; i < 2; i++) {
            assertTrue(l.check("api", s, null, none).admitted());
        }
        runCalls();
        held.answerAll();
        clock.set(T0 + 900); // the last fifth of the window
        l.tick();
        runCalls();
        held.answerAll();
        clock.set(T0 + 1001);
        assertTrue(l.check("api", s, null, none).admitted(), "the prefetched lease is there at the boundary");
    }

    @Test
    void keysAreCappedAndIdleKeysForgotten() throws Exception {
        RateLimiter l = localLimiter(3);
        RateLimitSpec s = spec("client-ip", 2);
        clock.set(T0 + 10);
        for (int i = 1; i <= 20; i++) {
            l.check("ip", s, ip("10.0.0." + i), none);
        }
        assertEquals(4, l.trackedKeys(), "three keys and the shared overflow key");
        int overflowAdmitted = 0;
        for (int i = 30; i < 40; i++) {
            overflowAdmitted += l.check("ip", s, ip("10.0.0." + i), none).admitted() ? 1 : 0;
        }
        assertEquals(0, overflowAdmitted, "the overflow key's budget (2) went to the first untracked addresses");
        clock.set(T0 + 1500);
        l.tick();
        assertEquals(4, l.trackedKeys(), "used in the previous window: kept one more window");
        clock.set(T0 + 2500);
        l.tick();
        assertEquals(0, l.trackedKeys());
    }

    @Test
    void aChangedLimitTakesEffectAtOnce() {
        RateLimiter l = localLimiter(100);
        clock.set(T0 + 10);
        for (int i = 0; i < 5; i++) {
            l.check("api", spec("route", 5), null, none);
        }
        assertFalse(l.check("api", spec("route", 5), null, none).admitted());
        assertTrue(l.check("api", spec("route", 6), null, none).admitted(), "same window, limit raised to 6");
    }

    @Test
    void leaseSizes() {
        assertEquals(2, LeaseSizing.size(100, 0), "cold key: 2% of the limit");
        assertEquals(10, LeaseSizing.size(100, 1_000), "hot key: at most 10%");
        assertEquals(50, LeaseSizing.size(1_000, 500), "a tenth of the node's recent traffic");
        assertEquals(1, LeaseSizing.size(1, 1_000));
        assertEquals(5, LeaseSizing.lowWater(10));
    }

    /**
     * Two event loops meeting a route's first requests at once end up with the same limits: neither retires the
     * other's (which refused a request already waiting on them). Each round races two threads on a fresh route.
     */
    @Test
    void concurrentFirstRequestsOfARouteShareItsLimits() throws Exception {
        held = new HeldQuota(clock::get);
        ConcurrentLinkedQueue<Runnable> leaseCalls = new ConcurrentLinkedQueue<>();
        RateLimiter l = new RateLimiter(held, meters, clock::get, leaseCalls::add, 100);
        RateLimitSpec s = spec("route", 100);
        ExecutorService loops = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 2_000; round++) {
                String route = "r" + round;
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Verdict> a = loops.submit(() -> {
                    start.await(5, TimeUnit.SECONDS);
                    return l.check(route, s, null, none);
                });
                Future<Verdict> b = loops.submit(() -> {
                    start.await(5, TimeUnit.SECONDS);
                    return l.check(route, s, null, none);
                });
                Verdict va = a.get(5, TimeUnit.SECONDS);
                Verdict vb = b.get(5, TimeUnit.SECONDS);
                assertTrue(va.mayWait() && vb.mayWait(), "round " + round + ": both wait for the one lease");
                assertSame(va.waitSpot.route(), vb.waitSpot.route(), "round " + round + ": one set of limits");
            }
        } finally {
            loops.shutdownNow();
        }
    }
}
