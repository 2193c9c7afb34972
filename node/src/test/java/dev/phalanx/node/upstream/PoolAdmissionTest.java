package dev.phalanx.node.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class PoolAdmissionTest {
    static final NioEventLoopGroup LOOPS = new NioEventLoopGroup(2);

    @AfterAll
    static void stop() {
        LOOPS.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    static Endpoint endpoint(PoolAdmission a, int maxRequests) {
        Endpoint e = new Endpoint("p", "127.0.0.1:1", new InetSocketAddress("127.0.0.1", 1), 1);
        e.setCaps(Integer.MAX_VALUE, maxRequests, a);
        return e;
    }

    static <T> T on(EventLoop loop, java.util.concurrent.Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    @Test
    void requestCapHoldsAndFreedSlotWakesOldestWaiterOnItsOwnLoop() throws Exception {
        PoolAdmission a = new PoolAdmission("p");
        a.configure(2, Duration.ofSeconds(30));
        Endpoint e = endpoint(a, 1);
        assertTrue(e.tryStartRequest());
        assertFalse(e.tryStartRequest(), "maxRequests 1");
        EventLoop l1 = LOOPS.next();
        EventLoop l2 = LOOPS.next();
        List<String> woken = new CopyOnWriteArrayList<>();
        CompletableFuture<Thread> firstThread = new CompletableFuture<>();
        Thread l2Thread = on(l2, Thread::currentThread);
        PoolAdmission.Waiter w1 = on(l2, () -> a.enqueue(e, l2, () -> {
            woken.add("w1");
            firstThread.complete(Thread.currentThread());
        }, () -> woken.add("w1 timeout")));
        PoolAdmission.Waiter w2 = on(l1, () -> a.enqueue(e, l1, () -> woken.add("w2"), () -> woken.add("w2 timeout")));
        assertNull(on(l1, () -> a.enqueue(e, l1, () -> { }, () -> { })), "queue size 2: the third is refused");
        assertEquals(2, a.queued());
        e.requestEnded();
        assertEquals(l2Thread, firstThread.get(5, TimeUnit.SECONDS), "woken on its own event loop");
        assertEquals(List.of("w1"), woken, "oldest first, one wake per freed slot");
        assertEquals(1, a.queued());
        assertTrue(e.tryStartRequest(), "the woken request takes the slot");
        on(l2, () -> {
            w1.admitted();
            return null;
        });
        e.requestEnded();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!woken.contains("w2") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of("w1", "w2"), woken);
        assertEquals(0, a.queued());
        assertTrue(w2 != null);
    }

    @Test
    void waitTimesOutAndCancelledWaiterLeavesTheQueue() throws Exception {
        PoolAdmission a = new PoolAdmission("p");
        a.configure(10, Duration.ofMillis(100));
        Endpoint e = endpoint(a, 1);
        assertTrue(e.tryStartRequest());
        EventLoop l = LOOPS.next();
        CompletableFuture<String> outcome = new CompletableFuture<>();
        on(l, () -> a.enqueue(e, l, () -> outcome.complete("woken"), () -> outcome.complete("timeout")));
        assertEquals("timeout", outcome.get(5, TimeUnit.SECONDS));
        assertEquals(0, a.queued());
        assertFalse(e.hasWaiters());

        List<String> calls = new CopyOnWriteArrayList<>();
        a.configure(10, Duration.ofSeconds(30));
        PoolAdmission.Waiter w = on(l, () -> a.enqueue(e, l, () -> calls.add("woken"), () -> calls.add("timeout")));
        on(l, () -> {
            w.cancel();
            return null;
        });
        assertEquals(0, a.queued());
        e.requestEnded();
        Thread.sleep(100);
        assertEquals(List.of(), calls, "a cancelled waiter is neither woken nor timed out");
        assertEquals(0, e.inFlight());
    }
}
