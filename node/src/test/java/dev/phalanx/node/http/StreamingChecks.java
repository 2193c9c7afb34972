package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.TestBackend;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The body loops of the streaming tests (HTTP/1.1 and HTTP/2): a download whose reader stalls, an upload to a backend
 * that reads slowly at first, both sampling the memory held by Netty's default allocator, the one the node (and the
 * in-JVM test backend) allocates from. Netty 4.2's default is the adaptive allocator, not
 * {@code PooledByteBufAllocator.DEFAULT}: sampling the latter read 0 whatever the proxy held.
 */
final class StreamingChecks {
    /** Far below the bodies' sizes: a proxy that buffered instead of pausing would blow through it at once. */
    static final long MEMORY_BOUND = 64L << 20;
    private static final long SAMPLE_EVERY = 16L << 20;

    private StreamingChecks() {
    }

    /** Bytes Netty's default allocator holds now (direct and heap). */
    static long allocatorBytes() {
        ByteBufAllocatorMetric m = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        return m.usedDirectMemory() + m.usedHeapMemory();
    }

    /**
     * Reads {@code in} to its end; after 64 MiB stops reading for 2 s and checks that the backend was paused meanwhile.
     *
     * @return the bytes read and the most allocator memory seen
     */
    static Sampled readWithStall(InputStream in, TestBackend backend) throws IOException, InterruptedException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        long max = 0;
        boolean stalled = false;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (!stalled && total > (64L << 20)) {
                stalled = true;
                long streamedBefore = backend.bytesStreamed();
                for (int i = 0; i < 20; i++) { // 2 s without reading
                    Thread.sleep(100);
                    max = Math.max(max, allocatorBytes());
                }
                long streamedDuringStall = backend.bytesStreamed() - streamedBefore;
                assertTrue(streamedDuringStall < (32L << 20),
                        "the backend was paused while the client stalled; it still sent " + streamedDuringStall);
            }
            if ((total & (SAMPLE_EVERY - 1)) < n) {
                max = Math.max(max, allocatorBytes());
            }
        }
        return new Sampled(total, max);
    }

    /**
     * Writes {@code size} zero bytes to {@code out}; the backend reads slowly for the first 96 MiB, then at full speed.
     *
     * @return the most allocator memory seen while writing
     */
    static long writeToSlowBackend(OutputStream out, long size, TestBackend backend) throws IOException {
        byte[] chunk = new byte[1 << 16];
        long max = 0;
        for (long sent = 0; sent < size; sent += chunk.length) {
            out.write(chunk);
            if (sent == (96L << 20)) {
                max = Math.max(max, allocatorBytes());
                backend.readPause(0); // slow for the first 96 MiB, then full speed
            }
            if ((sent & (SAMPLE_EVERY - 1)) == 0) {
                max = Math.max(max, allocatorBytes());
            }
        }
        return max;
    }

    /** The memory check: bounded, and the sampling really saw the allocator at work (it cannot pass by reading 0). */
    static void assertBounded(long maxSeen) {
        assertTrue(maxSeen > 0, "the samples saw no allocator memory at all: not measuring the node's allocator");
        assertTrue(maxSeen < MEMORY_BOUND, "allocator memory stayed bounded: " + maxSeen);
    }

    record Sampled(long total, long maxAllocatorBytes) {
    }
}
