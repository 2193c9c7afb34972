package dev.phalanx.node.testsupport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guard itself must catch a leak, or every "no leak" verdict means nothing. */
class LeakGuardTest {
    @Test
    void detectsAnUnreleasedBuffer() {
        leakOne();
        List<String> leaks = List.of();
        for (int i = 0; i < 20 && leaks.isEmpty(); i++) {
            System.gc();
            for (int j = 0; j < 16; j++) {
                PooledByteBufAllocator.DEFAULT.buffer(8).release();
            }
            leaks = LeakGuard.drainLeaks();
        }
        assertFalse(leaks.isEmpty(), "the leak detector reported nothing for a dropped buffer");
        assertTrue(leaks.get(0).contains("ByteBuf"), leaks.get(0));
    }

    private static void leakOne() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.buffer(64);
        leaked.writeLong(42);
    }
}
