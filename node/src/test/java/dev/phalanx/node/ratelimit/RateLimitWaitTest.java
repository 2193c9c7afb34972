package dev.phalanx.node.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.RateLimitSpec;
import dev.phalanx.cluster.state.LocalQuotaService;
import dev.phalanx.node.metrics.Meters;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests without a token waiting for their key's lease, on a clock and executors the test drives: admitted with a
 * token of that lease, in order, one lease call for all; refused when the budget is spent, the wait ran out or the
 * per-key cap is reached; forgotten when cancelled.
 */
class RateLimitWaitTest {
    private static final long T0 = 1_000_000_000_000L;
    private final AtomicLong clock = new AtomicLong(T0 + 100);
    private final Deque<Runnable> calls = new ArrayDeque<>();
    private final HttpHeaders none = new DefaultHttpHeaders();
    private HeldQuota held;
    private RateLimiter limiter;

    /** A request's owner: its "event loop" is a queue the test runs; its timer fires when the test says. */
    private final class Owner implements Parking {
        final String name;
        final Deque<Runnable> loop = new ArrayDeque<>();
        final List<Runnable> timers = new ArrayList<>();
        final List<Long> delays = new ArrayList<>();
        Verdict verdict;
        Parked parked;
        int decisions;

        Owner(String name) {
            this.name = name;
        }

        @Override
        public void execute(Runnable task) {
            loop.add(task);
        }

        @Override
        public void schedule(Runnable task, long delayMillis) {
            timers.add(task);
            delays.add(delayMillis);
        }

        @Override
        public void decided(Verdict v) {
            verdict = v;
            decisions++;
            order.add(name);
        }

        void runLoop() {
            Runnable r;
            while ((r = loop.poll()) != null) {
                r.run();
            }
        }

        void timeout() {
            timers.forEach(Runnable::run);
        }
    }

    private final List<String> order = new ArrayList<>();

    @AfterEach
    void close() {
        if (limiter != null) {
            limiter.close();
        }
        if (held != null) {
            held.close();
        }
    }

    private RateLimiter grid() {
        held = new HeldQuota(clock::get);
        limiter = new RateLimiter(held, new Meters(), clock::get, calls::add, 100);
        return limiter;
    }

    private void answerLeases() {
        Runnable r;
        while ((r = calls.poll()) != null) {
            r.run();
        }
        held.answerAll();
    }

    private static RateLimitSpec spec(String key, long limit) {
        return new RateLimitSpec(key, limit, Duration.ofSeconds(1));
    }

    private Owner parked(RateLimiter l, RateLimitSpec s, String name, InetAddress client) {
        Verdict v = l.check("api", s, client, none);
        assertFalse(v.admitted(), name);
        assertTrue(v.mayWait(), name + ": no token, lease in flight");
        Owner o = new Owner(name);
        o.parked = l.park(v, o);
        assertNotNull(o.parked, name);
        assertEquals(List.of(100L), o.delays, "the wait's bound is scheduled on the owner");
        return o;
    }

    @Test
    void theFirstRequestOfANewKeyWaitsForItsLeaseAndIsAdmitted() throws Exception {
        RateLimiter l = grid();
        RateLimitSpec s = spec("client-ip", 100);
        Owner first = parked(l, s, "first", InetAddress.getByName("203.0.113.7"));
        assertEquals(1, l.waitingRequests());
        first.runLoop();
        assertNull(first.verdict, "nothing decided before the lease answers");
        answerLeases();
        assertNull(first.verdict, "the decision runs on the owner's loop, not on the lease's thread");
        first.runLoop();
        assertTrue(first.verdict.admitted());
        assertEquals(1, first.verdict.remaining(), "a cold key's lease is 2 tokens, one spent for this request");
        assertEquals(0, l.waitingRequests());
        first.timeout(); // the bound fires later: nothing happens
        assertEquals(1, first.decisions);
        assertTrue(l.check("api", s, InetAddress.getByName("203.0.113.7"), none).admitted(), "the lease's other token");
    }

    @Test
    void waitingRequestsShareOneLeaseAndAreServedInOrder() {
        RateLimiter l = grid();
        RateLimitSpec s = spec("route", 100);
        List<Owner> owners = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            owners.add(parked(l, s, "r" + i, null));
        }
        calls.forEach(Runnable::run);
        calls.clear();
        assertEquals(1, held.waiting(), "one lease call for five waiting requests");
        held.answerAll(); // 2 tokens: r0, r1; the next lease is asked for the others
        owners.forEach(Owner::runLoop);
        assertEquals(List.of("r0", "r1"), order);
        for (int i = 0; i < 4 && l.waitingRequests() > 0; i++) {
            answerLeases();
            owners.forEach(Owner::runLoop);
        }
        assertEquals(List.of("r0", "r1", "r2", "r3", "r4"), order);
        owners.forEach(o -> assertTrue(o.verdict.admitted(), o.name));
        assertEquals(0, l.waitingRequests());
    }

    @Test
    void aWaitingRequestIsRefusedWhenTheBudgetIsSpent() {
        RateLimiter l = grid();
        RateLimitSpec s = spec("route", 10);
        // other nodes spent 9 of the 10 tokens of this window
        held.counters.lease("rl|api|route|1000|", T0 / 1000, 1000, 10, 9).toCompletableFuture().join();
        Owner a = parked(l, s, "a", null);
        Owner b = parked(l, s, "b", null);
        answerLeases(); // asked 1 (2% of 10, at least 1), granted 1: a; b waits for the next lease, which gets 0
        a.runLoop();
        assertTrue(a.verdict.admitted());
        answerLeases();
        b.runLoop();
        assertFalse(b.verdict.admitted(), "the window's budget is spent");
        assertEquals(1, b.verdict.retryAfterSeconds(), "Retry-After to the window end (0.9 s, rounded up)");
        assertEquals(0, l.waitingRequests());
        Verdict later = l.check("api", s, null, none);
        assertFalse(later.admitted());
        assertFalse(later.mayWait(), "a spent budget is refused at once, no wait");
    }

    @Test
    void aWaitThatRunsOutIsRefusedAndItsTokenStaysForTheNextRequest() {
        RateLimiter l = grid();
        RateLimitSpec s = spec("route", 100);
        Owner slow = parked(l, s, "slow", null);
        slow.timeout(); // maxWait (100 ms by default) passed, the lease has not answered
        assertNotNull(slow.verdict);
        assertFalse(slow.verdict.admitted());
        assertEquals(1, slow.verdict.retryAfterSeconds(), "the budget is not spent: come back soon");
        assertEquals(0, l.waitingRequests());
        answerLeases();
        slow.runLoop();
        assertEquals(1, slow.decisions, "decided once");
        assertTrue(l.check("api", s, null, none).admitted(), "the late lease's tokens were not spent on it");
        assertTrue(l.check("api", s, null, none).admitted());
    }

    @Test
    void waitingRequestsAreCappedPerKey() {
        RateLimiter l = grid();
        RateLimitSpec small = spec("route", 3);
        for (int i = 0; i < 3; i++) {
            parked(l, small, "s" + i, null);
        }
        Verdict fourth = l.check("api", small, null, none);
        assertTrue(fourth.mayWait());
        assertNull(l.park(fourth, new Owner("s3")), "never more waiting than the limit");

        RateLimitSpec big = spec("client-ip", 1_000_000);
        InetAddress c;
        try {
            c = InetAddress.getByName("198.51.100.1");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        for (int i = 0; i < LeaseWaits.MAX_WAITING_PER_KEY; i++) {
            assertNotNull(l.park(l.check("big", big, c, none), new Owner("b" + i)));
        }
        assertNull(l.park(l.check("big", big, c, none), new Owner("over")), "per-key cap");
        assertEquals(3 + LeaseWaits.MAX_WAITING_PER_KEY, l.waitingRequests());
    }

    @Test
    void aCancelledWaitIsForgottenAndSpendsNoToken() {
        RateLimiter l = grid();
        RateLimitSpec s = spec("route", 100);
        Owner gone = parked(l, s, "gone", null);
        Owner next = parked(l, s, "next", null);
        gone.parked.cancel(); // the client closed
        assertEquals(1, l.waitingRequests());
        answerLeases();
        gone.runLoop();
        next.runLoop();
        assertNull(gone.verdict, "a cancelled wait gets no decision");
        assertTrue(next.verdict.admitted(), "the next in line got the first token");
        gone.timeout();
        assertNull(gone.verdict, "nor when its bound fires");
        assertEquals(1, next.verdict.remaining(), "the lease's second token was not spent on the cancelled one");
        assertEquals(0, l.waitingRequests());
    }

    @Test
    void aWaitAtTheEndOfAWindowMovesOnToTheNextWindow() {
        RateLimiter l = grid();
        RateLimitSpec s = spec("route", 100);
        clock.set(T0 + 990);
        Owner late = parked(l, s, "late", null);
        clock.set(T0 + 1000);
        l.tick(); // the window ended before its lease answered
        late.runLoop(); // checked again in the new window: no token yet, waits for the new window's lease
        assertNull(late.verdict);
        assertEquals(1, l.waitingRequests());
        answerLeases();
        assertEquals(1, held.leases.get(), "the ended window's queued lease was not asked for, the new one was");
        late.runLoop();
        assertTrue(late.verdict.admitted(), "admitted with a token of the new window");
        assertEquals(T0 / 1000 + 1, late.verdict.window());
        late.timeout(); // the original bound still ends the moved wait, and finds it done
        assertEquals(1, late.decisions);
    }

    @Test
    void aRequestThatParksJustAsItsWindowIsRetiredMovesOnToo() {
        RateLimiter l = grid();
        RateLimitSpec s = spec("route", 100);
        clock.set(T0 + 999);
        Verdict v = l.check("api", s, null, none);
        assertTrue(v.mayWait());
        clock.set(T0 + 1000);
        l.tick(); // the housekeeping thread retires the window between the check and the park
        Owner o = new Owner("o");
        assertNotNull(l.park(v, o));
        o.runLoop();
        answerLeases();
        o.runLoop();
        assertTrue(o.verdict.admitted(), "checked again in the new window and admitted with its lease");
        assertEquals(T0 / 1000 + 1, o.verdict.window());
        assertEquals(0, l.waitingRequests());
    }

    @Test
    void aMovedWaitKeepsItsBoundAndCanBeCancelled() {
        RateLimiter l = grid();
        RateLimitSpec s = spec("route", 100);
        clock.set(T0 + 990);
        Owner a = parked(l, s, "a", null);
        Owner b = parked(l, s, "b", null);
        clock.set(T0 + 1000);
        l.tick();
        a.timeout(); // a's bound fires while its recheck is on its way
        a.runLoop();
        assertFalse(a.verdict.admitted(), "out of time and no token at hand");
        b.runLoop(); // b waits on in the new window
        assertEquals(1, l.waitingRequests());
        b.timeout(); // then its bound too: it follows the wait into the new window
        assertFalse(b.verdict.admitted());
        assertEquals(0, l.waitingRequests());

        Owner c = parked(l, s, "c", null);
        clock.set(T0 + 2000);
        l.tick();
        c.parked.cancel(); // the client leaves while its recheck is on its way
        c.runLoop();
        assertNull(c.verdict);
        assertEquals(0, l.waitingRequests());
    }

    @Test
    void theRouteSetsTheWaitAndZeroRefusesAtOnce() {
        RateLimiter l = grid();
        Verdict v = l.check("slow", new RateLimitSpec("route", 100, Duration.ofSeconds(1), Duration.ofMillis(250)),
                null, none);
        Owner o = new Owner("o");
        l.park(v, o);
        assertEquals(List.of(250L), o.delays);
        Verdict noWait = l.check("strict", new RateLimitSpec("route", 100, Duration.ofSeconds(1), Duration.ZERO),
                null, none);
        assertFalse(noWait.admitted());
        assertFalse(noWait.mayWait(), "maxWait 0s: refused at once, as without waiting");
    }

    @Test
    void aLocalQuotaNeverWaits() {
        LocalQuotaService local = new LocalQuotaService(clock::get);
        try (RateLimiter l = new RateLimiter(local, new Meters(), clock::get, calls::add, 100)) {
            RateLimitSpec s = spec("route", 1);
            assertTrue(l.check("api", s, null, none).admitted());
            Verdict v = l.check("api", s, null, none);
            assertFalse(v.admitted());
            assertFalse(v.mayWait());
        } finally {
            local.close();
        }
    }
}
