package dev.phalanx.cluster.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalTicketKeyRingTest {
    private static final long HOUR = 3_600_000L;

    @Test
    void currentEncryptsNextAndPreviousDecryptAcrossRotations() {
        AtomicLong now = new AtomicLong(10 * HOUR + 5);
        try (LocalTicketKeyRing ring = new LocalTicketKeyRing(Duration.ofHours(1), now::get, false)) {
            assertEquals(List.of(10L, 11L), ring.epochs()); // a fresh ring has no previous key
            List<List<TicketKey>> seen = new ArrayList<>();
            ring.onChange(seen::add);
            TicketKey e10 = ring.keys().get(0);
            TicketKey e11 = ring.keys().get(1);

            ring.rotateNow(); // same epoch: nothing changes, no one is told
            assertTrue(seen.isEmpty());

            now.set(11 * HOUR);
            ring.rotateNow();
            assertEquals(List.of(11L, 12L, 10L), ring.epochs());
            assertEquals(e11, ring.keys().get(0), "the key that was next now encrypts");
            assertEquals(e10, ring.keys().get(2), "the old current key still decrypts");
            assertEquals(1, seen.size());
            assertEquals(ring.keys(), seen.get(0));

            now.set(13 * HOUR + 1);
            ring.rotateNow();
            assertEquals(List.of(13L, 14L, 12L), ring.epochs());
            assertFalse(ring.keys().contains(e10));
            assertFalse(ring.keys().contains(e11));
        }
    }

    @Test
    void keysAreRandomAndDistinct() {
        try (LocalTicketKeyRing a = new LocalTicketKeyRing(Duration.ofHours(1), () -> 0, false);
             LocalTicketKeyRing b = new LocalTicketKeyRing(Duration.ofHours(1), () -> 0, false)) {
            assertNotEquals(a.keys().get(0), b.keys().get(0));
            assertFalse(java.util.Arrays.equals(a.keys().get(0).aesKey(), a.keys().get(1).aesKey()));
            assertFalse(java.util.Arrays.equals(a.keys().get(0).name(), a.keys().get(1).name()));
            assertEquals("local", a.kind());
            assertFalse(a.keys().get(0).toString().contains(java.util.HexFormat.of().formatHex(a.keys().get(0).aesKey())));
        }
    }

    @Test
    void theTimerRotatesAtTheEpochBoundary() throws Exception {
        CountDownLatch rotated = new CountDownLatch(1);
        try (LocalTicketKeyRing ring = new LocalTicketKeyRing(Duration.ofSeconds(1))) {
            long first = ring.epochs().get(0);
            ring.onChange(keys -> rotated.countDown());
            assertTrue(rotated.await(5, TimeUnit.SECONDS));
            assertTrue(ring.epochs().get(0) > first);
        }
    }

    @Test
    void rotationShorterThanASecondIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LocalTicketKeyRing(Duration.ofMillis(10)));
    }
}
