package dev.phalanx.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.state.HealthBoard;
import dev.phalanx.cluster.state.HealthVerdict;
import dev.phalanx.cluster.state.HealthVerdict.Source;
import dev.phalanx.cluster.state.LocalHealthBoard;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BoardWriterTest {
    @Test
    void writesTheNewestVerdictOfEachSlot() throws Exception {
        CountDownLatch firstWriteStarted = new CountDownLatch(1);
        CountDownLatch unblock = new CountDownLatch(1);
        AtomicInteger writes = new AtomicInteger();
        LocalHealthBoard local = new LocalHealthBoard();
        HealthBoard slow = new DelegatingBoard(local) {
            @Override
            public void publish(String key, HealthVerdict verdict) {
                writes.incrementAndGet();
                firstWriteStarted.countDown();
                await(unblock);
                super.publish(key, verdict);
            }
        };
        BoardWriter writer = new BoardWriter(slow, "test-board-writer");
        writer.publish("p/a:1", HealthVerdict.active(false, "n", "first"));
        assertTrue(firstWriteStarted.await(5, TimeUnit.SECONDS));
        for (int i = 0; i < 100; i++) { // queued behind the slow write: coalesced to the last one per slot
            writer.publish("p/a:1", HealthVerdict.active(i % 2 == 0, "n", "probe " + i));
            writer.publish("p/a:1", HealthVerdict.passive(false, "n", "ejection " + i));
        }
        unblock.countDown();
        writer.close();

        assertEquals("probe 99", local.read("p/a:1").reason());
        assertEquals("ejection 99", local.read("p/a:1", Source.PASSIVE).reason());
        assertEquals(3, writes.get(), "the first write and one per slot");
    }

    @Test
    void removeOfOneSlotLeavesTheOther() {
        LocalHealthBoard local = new LocalHealthBoard();
        BoardWriter writer = new BoardWriter(local, "test-board-writer");
        writer.publish("p/a:1", HealthVerdict.active(false, "n", "down"));
        writer.publish("p/a:1", HealthVerdict.passive(false, "n", "ejected"));
        Await.until("both written", () -> local.read("p/a:1", Source.PASSIVE) != null && local.read("p/a:1") != null);
        writer.remove("p/a:1", Source.PASSIVE);
        writer.close();
        assertNull(local.read("p/a:1", Source.PASSIVE));
        assertEquals("down", local.read("p/a:1").reason());
    }

    @Test
    void aFailingBoardDoesNotStopTheWriter() {
        LocalHealthBoard local = new LocalHealthBoard();
        HealthBoard flaky = new DelegatingBoard(local) {
            @Override
            public void publish(String key, HealthVerdict verdict) {
                if (key.startsWith("bad")) {
                    throw new IllegalStateException("grid unreachable");
                }
                super.publish(key, verdict);
            }
        };
        BoardWriter writer = new BoardWriter(flaky, "test-board-writer");
        writer.publish("bad/a:1", HealthVerdict.active(false, "n", "x"));
        writer.publish("good/a:1", HealthVerdict.active(false, "n", "y"));
        Await.until("good write done", () -> local.read("good/a:1") != null);
        writer.close();
        writer.close(); // idempotent
        writer.publish("good/b:1", HealthVerdict.active(false, "n", "after close")); // dropped, no exception
        assertNull(local.read("good/b:1"));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static class DelegatingBoard implements HealthBoard {
        private final HealthBoard delegate;

        DelegatingBoard(HealthBoard delegate) {
            this.delegate = delegate;
        }

        @Override
        public void publish(String key, HealthVerdict verdict) {
            delegate.publish(key, verdict);
        }

        @Override
        public HealthVerdict read(String key, Source source) {
            return delegate.read(key, source);
        }

        @Override
        public void remove(String key, Source source) {
            delegate.remove(key, source);
        }

        @Override
        public Map<String, HealthVerdict> snapshot(Source source) {
            return delegate.snapshot(source);
        }

        @Override
        public Registration addListener(Listener listener) {
            return delegate.addListener(listener);
        }
    }
}
