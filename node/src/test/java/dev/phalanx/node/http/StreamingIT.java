package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 1 GiB each way through the proxy with a reader that stalls: memory held in Netty's pooled buffers (the proxy's,
 * the backend's) stays bounded, because the proxy reads only as fast as the other side takes.
 */
class StreamingIT {
    private static final long GIB = 1L << 30;
    /** Far below 1 GiB: a proxy that buffered instead of pausing would blow through it at once. */
    private static final long MEMORY_BOUND = 64L << 20;

    private TestBackend backend;
    private NodeHarness node;

    @AfterEach
    void stop() {
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

    /** Reads one small keep-alive response: up to the end of its JSON body line. */
    private static String readResponse(InputStream in) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (sb.length() > 4 && sb.charAt(sb.length() - 1) == '\n' && sb.charAt(sb.length() - 2) == '}') {
                break;
            }
        }
        return sb.toString();
    }

    @Test
    void oneGibResponseToAStallingClient() throws Exception {
        backend = new TestBackend("big").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes("timeouts: { idle: 30s }", null, backend));
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setReceiveBufferSize(64 * 1024);
            s.getOutputStream().write(("GET /bytes/" + GIB + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
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
            assertTrue(total > GIB, "whole chunked body arrived: " + total);
            assertTrue(maxPooled < MEMORY_BOUND, "pooled memory stayed bounded: " + maxPooled);
        }
    }

    @Test
    void oneGibUploadToASlowBackend() throws Exception {
        backend = new TestBackend("sink").start();
        backend.readPause(2);
        node = NodeHarness.start(NodeHarness.simpleRoutes("timeouts: { idle: 30s, response: 60s }", null, backend),
                "limits: { maxBodyBytes: 2147483648 }\n");
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + GIB + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 16];
            long maxPooled = 0;
            for (long sent = 0; sent < GIB; sent += chunk.length) {
                out.write(chunk);
                if (sent == (96L << 20)) {
                    maxPooled = Math.max(maxPooled, pooledBytes());
                    backend.readPause(0); // slow for the first 96 MiB, then full speed
                }
                if ((sent & ((16L << 20) - 1)) == 0) {
                    maxPooled = Math.max(maxPooled, pooledBytes());
                }
            }
            out.flush();
            s.setSoTimeout(30_000);
            String response;
            try {
                response = readResponse(s.getInputStream());
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("no response; the backend got " + backend.bodyBytesReceived() + " of " + GIB
                        + " body bytes", e);
            }
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.contains("\"bodyBytes\": " + GIB), response);
            assertEquals(GIB, backend.bodyBytesReceived());
            assertTrue(maxPooled < MEMORY_BOUND, "pooled memory stayed bounded: " + maxPooled);
        }
    }
}
