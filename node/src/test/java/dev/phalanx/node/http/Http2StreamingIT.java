package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 512 MiB each way over HTTP/2 (curl with prior knowledge) with a side that stalls: the proxy's memory stays bounded
 * because flow control works end to end. Download: curl stops reading its pipe, its stream window runs out, the
 * stream turns unwritable and the proxy stops reading the upstream. Upload: the backend reads slowly, the upstream
 * turns unwritable, the stream stops being read, and no WINDOW_UPDATE goes to curl.
 */
class Http2StreamingIT {
    private static final long SIZE = 512L << 20;
    private static final long MEMORY_BOUND = 64L << 20;
    private static final String H2C_LISTENER = "{ name: web, bind: \"127.0.0.1:0\", h2c: true }";

    private TestBackend backend;
    private NodeHarness node;
    private Process curl;

    @AfterEach
    void stop() {
        if (curl != null) {
            curl.destroyForcibly();
        }
        if (node != null) {
            node.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static long pooledBytes() {
        return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory()
                + PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory();
    }

    @Test
    void bigResponseToAStallingClient() throws Exception {
        backend = new TestBackend("big").start();
        node = NodeHarness.startWithListener(NodeHarness.simpleRoutes("timeouts: { idle: 30s }", null, backend),
                H2C_LISTENER);
        curl = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "--max-time", "120",
                node.url("/bytes/" + SIZE)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        InputStream in = curl.getInputStream();
        byte[] buf = new byte[1 << 16];
        long total = 0;
        long maxPooled = 0;
        boolean stalled = false;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (!stalled && total > (64L << 20)) {
                stalled = true;
                long streamedBefore = backend.bytesStreamed();
                for (int i = 0; i < 20; i++) { // 2 s without reading
                    Thread.sleep(100);
                    maxPooled = Math.max(maxPooled, pooledBytes());
                }
                long streamedDuringStall = backend.bytesStreamed() - streamedBefore;
                assertTrue(streamedDuringStall < (32L << 20),
                        "the backend was paused while the client stalled; it still sent " + streamedDuringStall);
            }
            if ((total & ((16L << 20) - 1)) < n) {
                maxPooled = Math.max(maxPooled, pooledBytes());
            }
        }
        assertTrue(curl.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, curl.exitValue());
        assertEquals(SIZE, total, "whole body arrived");
        assertTrue(maxPooled < MEMORY_BOUND, "pooled memory stayed bounded: " + maxPooled);
    }

    @Test
    void bigUploadToASlowBackend() throws Exception {
        backend = new TestBackend("sink").start();
        backend.readPause(2);
        node = NodeHarness.start(NodeHarness.simpleRoutes("timeouts: { idle: 30s, response: 60s }", null, backend),
                "limits: { maxBodyBytes: 2147483648 }\n", H2C_LISTENER);
        // -T - streams stdin as the body (PUT, made a POST), with no Content-Length: DATA frames until END_STREAM
        curl = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "--max-time", "180", "-T", "-",
                "-X", "POST", node.url("/upload")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long maxPooled = 0;
        try (OutputStream out = curl.getOutputStream()) {
            byte[] chunk = new byte[1 << 16];
            for (long sent = 0; sent < SIZE; sent += chunk.length) {
                out.write(chunk);
                if (sent == (96L << 20)) {
                    maxPooled = Math.max(maxPooled, pooledBytes());
                    backend.readPause(0); // slow for the first 96 MiB, then full speed
                }
                if ((sent & ((16L << 20) - 1)) == 0) {
                    maxPooled = Math.max(maxPooled, pooledBytes());
                }
            }
        }
        String response = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(curl.waitFor(60, TimeUnit.SECONDS));
        assertTrue(response.contains("\"bodyBytes\": " + SIZE), response);
        assertEquals(SIZE, backend.bodyBytesReceived());
        assertTrue(maxPooled < MEMORY_BOUND, "pooled memory stayed bounded: " + maxPooled);
    }
}
